import pc from 'picocolors'
import type { LabRun } from '../runner/types.js'
import { columnLabels } from './format.js'
import { type ReportNotesOptions, reportNotes } from './notes.js'
import { tableRows } from './rows.js'

/** Options of {@link renderTable}. */
export interface RenderTableOptions extends ReportNotesOptions {
  /** Colour the table (picocolors); off when writing to a pipe or a file. */
  readonly color?: boolean
}

/**
 * The terminal table of any lab run, local, kernel link or remote: one column per run (UDP and TCP
 * side by side for `-t both`, marked `→`/`←` when they went both ways), numbers right-aligned,
 * the kernel's TCP numbers where a run has them, then the notes (impairment, seed, what was
 * modelled). Ends with a newline.
 */
export function renderTable(runs: readonly LabRun[], options: RenderTableOptions = {}): string {
  const colors = pc.createColors(options.color ?? false)
  const rows = tableRows(runs)
  const labels = columnLabels(runs)
  const labelWidth = Math.max(...rows.map((row) => row.label.length))
  const widths = labels.map((label, column) =>
    Math.max(label.length, ...rows.map((row) => row.cells[column]?.text.length ?? 0)),
  )
  const gap = '   '
  const lines: string[] = []
  const header = [
    ' '.repeat(labelWidth),
    ...labels.map((label, column) => label.padStart(widths[column] ?? 0)),
  ]
  lines.push(colors.bold(header.join(gap)))
  for (const row of rows) {
    const cells = row.cells.map((cell, column) => {
      const padded = cell.text.padStart(widths[column] ?? 0)
      return cell.bad ? colors.yellow(padded) : padded
    })
    lines.push([colors.dim(row.label.padEnd(labelWidth)), ...cells].join(gap))
  }
  lines.push('')
  const tone = { plain: (text: string) => text, modelled: colors.cyan, interrupted: colors.yellow }
  for (const note of reportNotes(runs, options)) lines.push(tone[note.tone](note.text))
  return `${lines.join('\n')}\n`
}
