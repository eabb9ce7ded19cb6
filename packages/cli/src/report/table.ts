import pc from 'picocolors'
import type { LabRun } from '../lab/types.js'
import { describeImpairment, runLabel } from './format.js'
import { tableRows } from './rows.js'

/** Options of {@link renderTable}. */
export interface RenderTableOptions {
  /** Colour the table (picocolors); off when writing to a pipe or a file. */
  readonly color?: boolean
}

/**
 * The terminal table: one column per run (UDP and TCP side by side for `-t both`), numbers
 * right-aligned, then the impairment, seed and any modelling note. Ends with a newline.
 */
export function renderTable(runs: readonly LabRun[], options: RenderTableOptions = {}): string {
  const colors = pc.createColors(options.color ?? false)
  const rows = tableRows(runs)
  const labelWidth = Math.max(...rows.map((row) => row.label.length))
  const widths = runs.map((run, column) =>
    Math.max(runLabel(run).length, ...rows.map((row) => row.cells[column]?.text.length ?? 0)),
  )
  const gap = '   '
  const lines: string[] = []
  const header = [
    ' '.repeat(labelWidth),
    ...runs.map((run, column) => runLabel(run).padStart(widths[column] ?? 0)),
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
  for (const run of runs) {
    const prefix = runs.length > 1 ? `${runLabel(run)}: ` : ''
    lines.push(`${prefix}impairment ${describeImpairment(run)}, seed ${run.seed}`)
    if (run.modelled !== undefined) lines.push(`${prefix}${colors.cyan(run.modelled)}`)
    if (run.interrupted !== undefined)
      lines.push(`${prefix}${colors.yellow(`interrupted: ${run.interrupted}`)}`)
  }
  return `${lines.join('\n')}\n`
}
