import { describePacing, formatBitsPerSec } from '@protolab/core'
import pc from 'picocolors'
import type { LabFlowsRun } from '../runner/flow-types.js'
import { formatCount } from './format.js'
import { describeFlowLoss } from './loss-story.js'

/** Options of {@link renderFlowTable}. */
export interface RenderFlowTableOptions {
  /** Colour the table (picocolors); off when writing to a pipe or a file. */
  readonly color?: boolean
  /** The widest a line may be, in terminal columns. Default 80. */
  readonly width?: number
}

/** The widest the table gets unless told otherwise: a classic terminal. */
export const FLOW_TABLE_WIDTH = 80

/** One column: its header, how to fill a cell, and whether it may be left out to fit. */
interface Column {
  readonly key: string
  readonly header: string
  readonly left?: boolean
  /** Columns are left out in rising order of this number when the table is too wide; absent: never. */
  readonly dropOrder?: number
}

/** One row's cells by column key, and whether each shows something went wrong. */
type Row = Record<string, { readonly text: string; readonly bad: boolean }>

const GAP = '  '

/**
 * The terminal table of a run of several flows: one row per flow, then a rule, then the
 * aggregate (`all`), then one fairness line and what the flows shared. Cells are plain ASCII, so a
 * cell's display width is its length. When the columns would be wider than `width` (80), the
 * least telling ones are left out (sent, p50, pacing, retransmits, in that order) and a line says
 * so. Notes are wrapped at `width`. Ends with a newline.
 */
export function renderFlowTable(run: LabFlowsRun, options: RenderFlowTableOptions = {}): string {
  const colors = pc.createColors(options.color ?? false)
  const width = options.width ?? FLOW_TABLE_WIDTH
  const latency = run.mode === 'rtt' ? 'rtt' : ''
  const hasRetransmits = run.flows.some((flow) => flow.retransmits !== undefined)
  const sharesOf = run.fairness.bottleneckBitsPerSec === null ? 'share' : 'of link'
  let columns: Column[] = [
    { key: 'flow', header: 'flow', left: true },
    { key: 'rate', header: 'paced', left: true, dropOrder: 3 },
    { key: 'sent', header: 'sent', dropOrder: 1 },
    { key: 'lost', header: 'lost' },
    { key: 'mbit', header: 'Mbit/s' },
    { key: 'share', header: sharesOf },
    { key: 'p50', header: `${latency}p50 ms`.trim(), dropOrder: 2 },
    { key: 'p99', header: `${latency}p99 ms`.trim() },
    ...(hasRetransmits ? [{ key: 'retr', header: 'retr', dropOrder: 4 }] : []),
  ]
  const rows = run.flows.map(
    (flow): Row => ({
      flow: ok(`${flow.id} ${flow.transport}`),
      rate: ok(flow.rate === null ? '-' : describePacing(flow.rate)),
      sent: ok(formatCount(flow.sent)),
      lost: lostCell(flow.lost, flow.sent),
      mbit: ok(formatMbit(flow.bitsPerSec)),
      share: ok(formatPercentShort(flow.share.ofBottleneck ?? flow.share.ofDelivered)),
      p50: ok(formatLatency(flow.latencyMs.p50)),
      p99: ok(formatLatency(flow.latencyMs.p99)),
      retr: {
        text: flow.retransmits === undefined ? '-' : formatCount(flow.retransmits),
        bad: (flow.retransmits ?? 0) > 0,
      },
    }),
  )
  const total = run.aggregate
  const totalShare = run.fairness.utilisation ?? (total.delivered > 0 ? 1 : 0)
  const retransmits = run.flows.reduce((sum, flow) => sum + (flow.retransmits ?? 0), 0)
  const aggregate: Row = {
    flow: ok('all'),
    rate: ok(''),
    sent: ok(formatCount(total.sent)),
    lost: lostCell(total.lost, total.sent),
    mbit: ok(formatMbit(total.bitsPerSec)),
    share: ok(formatPercentShort(totalShare)),
    p50: ok(formatLatency(total.latencyMs.p50)),
    p99: ok(formatLatency(total.latencyMs.p99)),
    retr: { text: hasRetransmits ? formatCount(retransmits) : '-', bad: retransmits > 0 },
  }
  const all = [...rows, aggregate]
  const widthsOf = (cols: readonly Column[]): number[] =>
    cols.map((column) => Math.max(column.header.length, ...all.map((row) => row[column.key]!.text.length)))
  const lineWidth = (cols: readonly Column[]): number =>
    widthsOf(cols).reduce((sum, w) => sum + w, 0) + GAP.length * (cols.length - 1)
  const dropped: string[] = []
  for (;;) {
    if (lineWidth(columns) <= width) break
    const next = columns
      .filter((column) => column.dropOrder !== undefined)
      .sort((a, b) => a.dropOrder! - b.dropOrder!)[0]
    if (next === undefined) break
    dropped.push(next.header)
    columns = columns.filter((column) => column !== next)
  }
  const widths = widthsOf(columns)
  const pad = (text: string, column: number): string => {
    const col = columns[column]!
    return col.left === true ? text.padEnd(widths[column]!) : text.padStart(widths[column]!)
  }
  const line = (row: Row, style: (text: string) => string = (text) => text): string =>
    columns
      .map((column, i) => {
        const cell = row[column.key]!
        const padded = pad(cell.text, i)
        return cell.bad ? colors.yellow(padded) : style(padded)
      })
      .join(GAP)
      .trimEnd()
  const lines: string[] = []
  lines.push(
    colors.bold(
      columns
        .map((column, i) => pad(column.header, i))
        .join(GAP)
        .trimEnd(),
    ),
  )
  for (const row of rows) lines.push(line(row))
  lines.push(colors.dim('-'.repeat(Math.min(width, lineWidth(columns)))))
  lines.push(line(aggregate, colors.bold))
  lines.push('')
  const notes = [
    ...run.flows.map(describeFlowLoss).filter((note) => note !== undefined),
    fairnessNote(run),
    `shared: ${run.sharing.note}`,
  ]
  if (dropped.length > 0) notes.push(`left out to fit ${width} columns: ${dropped.join(', ')} (see --json)`)
  for (const note of notes) lines.push(...wrap(note, width))
  return `${lines.join('\n')}\n`
}

function ok(text: string): { text: string; bad: boolean } {
  return { text, bad: false }
}

function lostCell(lost: number, sent: number): { text: string; bad: boolean } {
  if (lost === 0) return ok('0')
  const percent = sent === 0 ? '' : ` (${formatPercentShort(lost / sent)})`
  return { text: `${formatCount(lost)}${percent}`, bad: true }
}

/** The fairness line: Jain's index, and how full the bottleneck was when there is one. */
function fairnessNote(run: LabFlowsRun): string {
  const { jainIndex, bottleneckBitsPerSec, utilisation } = run.fairness
  const flows = `${run.flows.length} flow${run.flows.length === 1 ? '' : 's'}`
  const index = `fairness: Jain's index ${jainIndex.toFixed(3)} over ${flows}' delivered bit rates`
  if (bottleneckBitsPerSec === null || utilisation === null) {
    return `${index}; shares are of what was delivered (no bottleneck rate is known)`
  }
  return `${index}; together they got ${formatPercentShort(utilisation)} of the ${formatBitsPerSec(bottleneckBitsPerSec)} bottleneck`
}

/** Megabits per second for a column: `94.4`, `0.52`, `1,204`. */
export function formatMbit(bitsPerSec: number): string {
  const mbit = bitsPerSec / 1e6
  if (mbit >= 1000) return formatCount(mbit)
  if (mbit >= 10) return mbit.toFixed(1)
  return mbit.toFixed(2)
}

/** A fraction as a short percentage: `75.0%`, `0.4%`, `100%`. */
function formatPercentShort(fraction: number): string {
  const percent = fraction * 100
  if (percent >= 99.95 && percent <= 100) return '100%'
  return `${percent.toFixed(1)}%`
}

/** Milliseconds without the unit (the header has it): `0.042`, `3.21`, `1,204`. */
function formatLatency(ms: number): string {
  if (ms < 1) return ms.toFixed(3)
  if (ms < 100) return ms.toFixed(2)
  return formatCount(ms)
}

/** Words of `text` in lines of at most `width` columns; later lines indented by two spaces. */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = []
  let current = ''
  for (const word of text.split(' ')) {
    const candidate = current === '' ? word : `${current} ${word}`
    if (candidate.length <= width || current === '' || current.trim() === '') {
      current = candidate
      continue
    }
    lines.push(current)
    current = `  ${word}`
  }
  if (current !== '') lines.push(current)
  return lines
}
