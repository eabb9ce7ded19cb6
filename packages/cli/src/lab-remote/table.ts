import pc from 'picocolors'
import { formatCount, formatMs, runLabel } from '../report/format.js'
import { type TableCell, type TableRow, tableRows } from '../report/rows.js'
import type { RemoteLabRun } from './types.js'

/** Options of {@link renderRemoteTable}. */
export interface RenderRemoteTableOptions {
  /** Colour the table (picocolors); off when writing to a pipe or a file. */
  readonly color?: boolean
  /** Lines printed under the table: what the link was, where the server was. */
  readonly notes?: readonly string[]
}

/**
 * The terminal table of a remote (or kernel link) lab: the rows of a local run's table, one column
 * per run, each column marked with its direction when both went at once, plus the kernel's TCP
 * numbers of the sender's connection (retransmits, smoothed RTT, congestion window).
 */
export function renderRemoteTable(
  runs: readonly RemoteLabRun[],
  options: RenderRemoteTableOptions = {},
): string {
  const colors = pc.createColors(options.color ?? false)
  const bothWays = new Set(runs.map((run) => run.direction)).size > 1
  const label = (run: RemoteLabRun): string =>
    bothWays ? `${runLabel(run)} ${run.direction === 'forward' ? '→' : '←'}` : runLabel(run)
  const rows = [...tableRows(runs), ...tcpRows(runs)]
  const labelWidth = Math.max(...rows.map((row) => row.label.length))
  const widths = runs.map((run, column) =>
    Math.max(label(run).length, ...rows.map((row) => row.cells[column]?.text.length ?? 0)),
  )
  const gap = '   '
  const lines: string[] = []
  lines.push(
    colors.bold(
      [' '.repeat(labelWidth), ...runs.map((run, column) => label(run).padStart(widths[column] ?? 0))].join(
        gap,
      ),
    ),
  )
  for (const row of rows) {
    const cells = row.cells.map((cell, column) => {
      const padded = cell.text.padStart(widths[column] ?? 0)
      return cell.bad ? colors.yellow(padded) : padded
    })
    lines.push([colors.dim(row.label.padEnd(labelWidth)), ...cells].join(gap))
  }
  lines.push('')
  if (bothWays) lines.push('→ from this host to the server, ← from the server to this host, both at once')
  for (const note of options.notes ?? []) lines.push(note)
  for (const run of runs) {
    const prefix = runs.length > 1 ? `${label(run)}: ` : ''
    if (run.modelled !== undefined) lines.push(`${prefix}${colors.cyan(`modelled: ${run.modelled}`)}`)
    if (run.interrupted !== undefined)
      lines.push(`${prefix}${colors.yellow(`interrupted: ${run.interrupted}`)}`)
  }
  return `${lines.join('\n')}\n`
}

/** The kernel's numbers of each TCP run's connection; no rows when no run has them. */
function tcpRows(runs: readonly RemoteLabRun[]): TableRow[] {
  if (!runs.some((run) => run.retransmits !== undefined)) return []
  const none: TableCell = { text: '-', bad: false }
  const row = (name: string, cell: (run: RemoteLabRun) => TableCell): TableRow => ({
    label: name,
    cells: runs.map((run) => (run.retransmits === undefined ? none : cell(run))),
  })
  return [
    row('tcp retransmits', (run) => ({
      text: formatCount(run.retransmits ?? 0),
      bad: (run.retransmits ?? 0) > 0,
    })),
    row('tcp smoothed rtt', (run) => ({ text: formatMs(run.rttMs ?? Number.NaN), bad: false })),
    row('tcp cwnd', (run) => ({ text: `${formatCount(run.cwnd ?? 0)} segments`, bad: false })),
  ]
}
