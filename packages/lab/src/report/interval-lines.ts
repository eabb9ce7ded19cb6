import type { LabInterval } from '@protolab/core'
import type { LabTransportName } from '../runner/types.js'
import { formatCount } from './format.js'

/** Column headings and widths of the interval lines; 79 characters in all, so 80 columns hold them. */
const COLUMNS = [
  ['interval s', 13],
  ['sent', 9],
  ['delivered', 10],
  ['lost', 7],
  ['reord', 6],
  ['Mbit/s', 9],
  ['p50 ms', 10],
  ['p99 ms', 10],
] as const

/** The heading printed above a transport's interval lines. */
export function intervalHeader(transport: LabTransportName): string {
  const [first, ...rest] = COLUMNS
  return `${transport.padEnd(4)}${first[0].padStart(first[1] - 4)}${rest.map(([name, width]) => name.padStart(width)).join('')}`
}

/** One interval as iperf3's `-i` prints it: `0.0-1.0   2,000   1,998   2   0   1.02   0.210   1.300`. */
export function intervalLine(interval: LabInterval): string {
  const cells = [
    `${(interval.startMs / 1000).toFixed(1)}-${(interval.endMs / 1000).toFixed(1)}`,
    // NaN: a counting side's own line, which cannot know what was sent in it.
    Number.isNaN(interval.sent) ? '-' : formatCount(interval.sent),
    formatCount(interval.delivered),
    formatCount(interval.lost),
    formatCount(interval.reordered),
    formatMbits(interval.bitsPerSec),
    interval.p50Ms.toFixed(3),
    interval.p99Ms.toFixed(3),
  ]
  return cells.map((cell, index) => cell.padStart(COLUMNS[index]?.[1] ?? 0)).join('')
}

/** Bit/s as Mbit/s with 3 significant digits or more: `1.02`, `185`, `0.000`. */
export function formatMbits(bitsPerSec: number): string {
  const mbits = bitsPerSec / 1e6
  if (mbits >= 100) return formatCount(Math.round(mbits))
  if (mbits >= 10) return mbits.toFixed(1)
  return mbits.toFixed(mbits >= 1 ? 2 : 3)
}
