import {
  type DatagramImpairment,
  describeDatagramImpairment,
  describeStreamImpairment,
  type StreamImpairment,
} from '@protolab/core'
import type { LabRun } from '../runner/types.js'
import { labTransport } from '../transports/registry.js'

/** An integer with thousands separators: `12,345`. */
export function formatCount(value: number): string {
  return Math.round(value).toLocaleString('en-US')
}

/** Milliseconds with precision that suits the size: `0.042 ms`, `3.21 ms`, `1,204 ms`. */
export function formatMs(value: number): string {
  if (!Number.isFinite(value)) return '-'
  if (value < 1) return `${value.toFixed(3)} ms`
  if (value < 100) return `${value.toFixed(2)} ms`
  return `${formatCount(value)} ms`
}

/** A share of a whole as a percentage with two decimals; `-` when the whole is 0. */
export function formatPercent(part: number, whole: number): string {
  if (whole === 0) return '-'
  return `${((part / whole) * 100).toFixed(2)}%`
}

/** Bytes per second in decimal units: `812 B/s`, `1.25 MB/s`. */
export function formatBytesPerSec(value: number): string {
  const units = ['B/s', 'kB/s', 'MB/s', 'GB/s']
  let scaled = value
  let unit = 0
  while (scaled >= 1000 && unit < units.length - 1) {
    scaled /= 1000
    unit++
  }
  return unit === 0 ? `${Math.round(scaled)} ${units[unit]}` : `${scaled.toFixed(2)} ${units[unit]}`
}

/** A byte count in binary units: `212,992 B (208 KiB)`, or with `short`, `208 KiB`. */
export function formatBytes(value: number, { short = false }: { short?: boolean } = {}): string {
  if (value < 1024) return `${value} B`
  const kib = value / 1024
  if (short) return kib < 1024 ? `${round1(kib)} KiB` : `${round1(kib / 1024)} MiB`
  return kib < 1024
    ? `${formatCount(value)} B (${round1(kib)} KiB)`
    : `${formatCount(value)} B (${round1(kib / 1024)} MiB)`
}

function round1(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(1)
}

/** The program that dropped packets on the kernel link. */
export type KernelLossTool = 'nftables' | 'iptables'

/**
 * The impairment of a run in a few words: `loss 5%, reorder 2% (gap 3), delay 10±5 ms`, or `none`.
 * The relay's TCP loss says it is modelled; the kernel link's says it is real, and names
 * `lossTool` when given (the run itself does not record it).
 */
export function describeImpairment(
  run: Pick<LabRun, 'transport' | 'impairment' | 'link'>,
  lossTool?: KernelLossTool,
): string {
  if (run.impairment === null) return 'none'
  if (run.link === 'kernel') return describeKernelRun(run.transport, run.impairment, lossTool)
  // The packet link impairs every transport's packets alike, as datagrams.
  return labTransport(run.transport).impairment === 'datagram' || run.link === 'packet'
    ? describeDatagramImpairment(run.impairment as DatagramImpairment)
    : describeStreamImpairment(run.impairment as StreamImpairment)
}

/** A kernel link run's impairment (DatagramImpairment's fields for both transports): the loss is the kernel's own. */
function describeKernelRun(
  transport: LabRun['transport'],
  impairment: DatagramImpairment,
  lossTool: KernelLossTool | undefined,
): string {
  const { loss = 0, ...rest } = impairment
  const parts: string[] = []
  if (loss > 0) {
    const retransmitted = labTransport(transport).semantics.reliable ? ', real retransmissions' : ''
    parts.push(`kernel loss ${round3(loss * 100)}% by ${lossTool ?? 'nftables or iptables'}${retransmitted}`)
  }
  const others = describeDatagramImpairment(rest)
  if (others !== 'none') parts.push(others)
  return parts.length === 0 ? 'none' : parts.join(', ')
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000
}

/** The label of a run's column: `udp`, or `udp (rtt)` in round-trip mode. */
export function runLabel(run: LabRun): string {
  return run.mode === 'rtt' ? `${run.transport} (rtt)` : run.transport
}

/** True when a report's runs went both ways at once (`lab run --bidir`, or the kernel link's). */
export function bothWays(runs: readonly LabRun[]): boolean {
  return new Set(runs.map((run) => run.direction ?? 'forward')).size > 1
}

/** Each run's column label: {@link runLabel}, marked `→` or `←` when the runs went both ways at once. */
export function columnLabels(runs: readonly LabRun[]): string[] {
  if (!bothWays(runs)) return runs.map(runLabel)
  return runs.map((run) => `${runLabel(run)} ${run.direction === 'reverse' ? '←' : '→'}`)
}
