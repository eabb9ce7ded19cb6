import pc from 'picocolors'
import type { LabRun } from '../runner/types.js'
import { displayWidth, padEndDisplay, padStartDisplay } from './display-width.js'
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
  // Measured in terminal columns, not UTF-16 units: a label may hold CJK or emoji.
  const labelWidth = Math.max(...rows.map((row) => displayWidth(row.label)))
  const widths = labels.map((label, column) =>
    Math.max(displayWidth(label), ...rows.map((row) => displayWidth(row.cells[column]?.text ?? ''))),
  )
  // Two spaces: three runs side by side fit in 80 columns.
  const gap = '  '
  const lines: string[] = []
  const header = [
    ' '.repeat(labelWidth),
    ...labels.map((label, column) => padStartDisplay(label, widths[column] ?? 0)),
  ]
  lines.push(colors.bold(header.join(gap)))
  for (const row of rows) {
    const cells = row.cells.map((cell, column) => {
      const padded = padStartDisplay(cell.text, widths[column] ?? 0)
      return cell.bad ? colors.yellow(padded) : padded
    })
    lines.push([colors.dim(padEndDisplay(row.label, labelWidth)), ...cells].join(gap))
  }
  lines.push('')
  const tone = { plain: (text: string) => text, modelled: colors.cyan, interrupted: colors.yellow }
  for (const note of reportNotes(runs, options)) lines.push(tone[note.tone](note.text))
  return `${lines.join('\n')}\n`
}
