import type { LabRun } from '../runner/types.js'
import { formatBytes, formatBytesPerSec, formatCount, formatMs, formatPercent } from './format.js'
import { formatMbits } from './interval-lines.js'

/** One cell of the results table: its text, and whether it shows something went wrong. */
export interface TableCell {
  readonly text: string
  readonly bad: boolean
}

/** One row of the results table: a label and one cell per run. */
export interface TableRow {
  readonly label: string
  readonly cells: readonly TableCell[]
}

const ok = (text: string): TableCell => ({ text, bad: false })
const countCell = (value: number, whole?: number): TableCell => ({
  text: whole === undefined ? formatCount(value) : `${formatCount(value)} (${formatPercent(value, whole)})`,
  bad: value > 0,
})

/**
 * The rows of the results table, one column per run: the same rows for the terminal and the HTML
 * report, so both say the same thing. The receive buffer (blast mode), the wire bytes, KCP's
 * retransmissions and the kernel's TCP numbers (kernel link, remote) get rows when a run has them.
 */
export function tableRows(runs: readonly LabRun[], { allStatistics = false } = {}): TableRow[] {
  const row = (label: string, cell: (run: LabRun) => TableCell): TableRow => ({
    label,
    cells: runs.map(cell),
  })
  // Every run of one report has the same mode.
  const latency = runs[0]?.mode === 'rtt' ? 'round trip' : 'latency'
  const rows: TableRow[] = [
    row('sent', (r) => ok(formatCount(r.sent))),
    row('delivered', (r) => ({
      text: `${formatCount(r.delivered)} (${formatPercent(r.delivered, r.sent)})`,
      bad: false,
    })),
    row('lost', (r) => countCell(r.lost, r.sent)),
    row('duplicates', (r) => countCell(r.duplicates)),
    row('reordered', (r) => countCell(r.reordered)),
    row('max reorder extent', (r) => countCell(r.maxReorderExtent)),
    row('corrupted', (r) => countCell(r.corrupted)),
    row('foreign', (r) => countCell(r.foreign)),
    ...latencyRows(runs, latency, allStatistics),
    row('jitter', (r) => ok(formatMs(r.jitterMs))),
    row('messages/s', (r) => ok(formatCount(r.messagesPerSec))),
    row('Mbit/s', (r) => ok(formatMbits(r.bitsPerSec ?? r.bytesPerSec * 8))),
    row('payload bytes/s', (r) => ok(formatBytesPerSec(r.bytesPerSec))),
    row('duration', (r) => ok(formatMs(r.durationMs))),
    row('stalls', (r) => countCell(r.stalls)),
  ]
  if (runs.some((run) => run.recvBufferBytes !== undefined)) {
    rows.push(
      row('receive buffer', (r) =>
        ok(r.recvBufferBytes === undefined ? '-' : formatBytes(r.recvBufferBytes, { short: true })),
      ),
    )
  }
  rows.push(...wireRows(runs))
  rows.push(...tcpRows(runs))
  return rows
}

/**
 * What the senders put on the wire, and the retransmissions a transport made itself (KCP's, in
 * user space): rows only when some run has them.
 */
function wireRows(runs: readonly LabRun[]): TableRow[] {
  const rows: TableRow[] = []
  if (runs.some((run) => run.wireBytes !== undefined)) {
    rows.push({
      label: 'wire bytes',
      cells: runs.map((run) =>
        ok(
          run.wireBytes === undefined
            ? '-'
            : `${formatCount(run.wireBytes)}${run.wireOverhead === undefined ? '' : ` (${run.wireOverhead.toFixed(2)}×)`}`,
        ),
      ),
    })
  }
  if (runs.some(ownRetransmits)) {
    rows.push({
      label: 'arq retransmits',
      cells: runs.map((run) =>
        ownRetransmits(run) ? countCell(run.retransmits ?? 0) : { text: '-', bad: false },
      ),
    })
  }
  return rows
}

/** A run whose retransmits are its transport's own (KCP), not the kernel's TCP numbers. */
function ownRetransmits(run: LabRun): boolean {
  return run.retransmits !== undefined && run.rttMs === undefined
}

/**
 * The latency rows: p50, p90, p99, p99.9 and max on a terminal; with `all` (the HTML report),
 * sockperf's whole set: min, mean, stddev, p25, p50, p75, p90, p99, p99.9, p99.99, max.
 */
function latencyRows(runs: readonly LabRun[], latency: string, all: boolean): TableRow[] {
  type Stat = keyof LabRun['latencyMs']
  const names: readonly (readonly [Stat, string])[] = all
    ? [
        ['min', 'min'],
        ['mean', 'mean'],
        ['stddev', 'stddev'],
        ['p25', 'p25'],
        ['p50', 'p50'],
        ['p75', 'p75'],
        ['p90', 'p90'],
        ['p99', 'p99'],
        ['p999', 'p99.9'],
        ['p9999', 'p99.99'],
        ['max', 'max'],
      ]
    : [
        ['p50', 'p50'],
        ['p90', 'p90'],
        ['p99', 'p99'],
        ['p999', 'p99.9'],
        ['max', 'max'],
      ]
  return names.map(([stat, label]) => ({
    label: `${latency} ${label}`,
    // Runs from an older protolab lack the newer statistics.
    cells: runs.map((run) => ok(run.latencyMs[stat] === undefined ? '-' : formatMs(run.latencyMs[stat]))),
  }))
}

/** The kernel's numbers of each TCP run's connection (from `ss -ti`); no rows when no run has them. */
function tcpRows(runs: readonly LabRun[]): TableRow[] {
  const kernels = (run: LabRun): boolean => run.retransmits !== undefined && !ownRetransmits(run)
  if (!runs.some(kernels)) return []
  const none: TableCell = { text: '-', bad: false }
  const row = (label: string, cell: (run: LabRun) => TableCell): TableRow => ({
    label,
    cells: runs.map((run) => (kernels(run) ? cell(run) : none)),
  })
  return [
    row('tcp retransmits', (run) => countCell(run.retransmits ?? 0)),
    row('tcp smoothed rtt', (run) => ok(formatMs(run.rttMs ?? Number.NaN))),
    row('tcp cwnd', (run) => ok(run.cwnd === undefined ? '-' : `${formatCount(run.cwnd)} segments`)),
  ]
}
