import type { DatagramImpairment } from '@protolab/core'
import { LabError } from '../../errors.js'
import { STREAM_ONLY_IMPAIRMENTS } from '../../runner/options.js'
import type { LabImpairment } from '../../runner/types.js'

/** What netem does on the kernel link (each direction): only when the kernel has sch_netem. */
export interface NetemSettings {
  readonly delayMs: number
  readonly jitterMs: number
  /** Probability that a packet skips the delay, so it overtakes the ones before it. */
  readonly reorder: number
  /** netem's gap: every gap-th packet may be reordered (default 1: any). */
  readonly reorderGap: number
  readonly duplicate: number
  readonly corrupt: number
}

/** The impairment of a kernel link, applied the same way in each direction. */
export interface KernelImpairment {
  /** Probability that a packet is dropped by nftables (or iptables), 0 for none. */
  readonly loss: number
  /** Link rate by tc tbf, in bytes/s; undefined for none. */
  readonly rateLimitBytesPerSec: number | undefined
  /** Delay, jitter, reordering, duplication, corruption by netem; undefined when none is asked for. */
  readonly netem: NetemSettings | undefined
}

/** Impairments only the relay has: a kernel link cannot slice, stall or reset a TCP stream at will. */
const RELAY_ONLY: readonly (keyof LabImpairment)[] = ['lossModel', 'lossBurst', ...STREAM_ONLY_IMPAIRMENTS]

const FLAG_OF: Partial<Record<keyof LabImpairment, string>> = {
  lossModel: '--loss-model',
  lossBurst: '--loss-burst',
  sliceBytes: '--slice',
  stallMs: '--stall',
  stallEveryBytes: '--stall-every',
  stallProbability: '--stall-chance',
  resetAfterBytes: '--reset-after',
  resetProbability: '--reset',
  rtoMs: '--rto',
}

/**
 * What the kernel link does for a lab impairment: loss by nftables, rate by tc tbf, delay, jitter,
 * reordering, duplication and corruption by netem.
 * @throws LabError (`ERR_INVALID_ARGUMENT`) for what only the proxy link can do, or reordering without a delay
 */
export function kernelImpairmentOf(impairment: LabImpairment): KernelImpairment {
  const relayOnly = RELAY_ONLY.filter(
    (key) => impairment[key] !== undefined && !isDefaultLossModel(key, impairment),
  )
  if (relayOnly.length > 0) {
    throw new LabError(
      'ERR_INVALID_ARGUMENT',
      `${relayOnly.map((key) => FLAG_OF[key] ?? key).join(', ')} work on the proxy link only: the kernel drops packets at random and TCP retransmits them for real`,
      { reason: 'kernel-link-relay-only' },
    )
  }
  const delayMs = impairment.delayMs ?? 0
  const jitterMs = impairment.jitterMs ?? 0
  const reorder = impairment.reorder ?? 0
  const duplicate = impairment.duplicate ?? 0
  const corrupt = impairment.corrupt ?? 0
  if (reorder > 0 && delayMs === 0) {
    throw new LabError(
      'ERR_INVALID_ARGUMENT',
      '--reorder on the kernel link needs --delay: netem reorders by letting some packets skip the delay',
      { reason: 'kernel-link-reorder-delay' },
    )
  }
  const netemWanted = delayMs > 0 || jitterMs > 0 || reorder > 0 || duplicate > 0 || corrupt > 0
  const rate = impairment.rateLimitBytesPerSec
  return {
    loss: impairment.loss ?? 0,
    rateLimitBytesPerSec: rate !== undefined && rate > 0 ? rate : undefined,
    netem: netemWanted
      ? { delayMs, jitterMs, reorder, reorderGap: impairment.reorderGap ?? 1, duplicate, corrupt }
      : undefined,
  }
}

function isDefaultLossModel(key: keyof LabImpairment, impairment: LabImpairment): boolean {
  return key === 'lossModel' && impairment.lossModel === 'random'
}

/** The kernel link's impairment in the field names of a run's `impairment` (core's DatagramImpairment). */
export function impairmentOfRun(kernel: KernelImpairment): DatagramImpairment | null {
  const fields: Record<string, number> = {}
  if (kernel.loss > 0) fields.loss = kernel.loss
  if (kernel.rateLimitBytesPerSec !== undefined) fields.rateLimitBytesPerSec = kernel.rateLimitBytesPerSec
  const netem = kernel.netem
  if (netem !== undefined) {
    if (netem.delayMs > 0) fields.delayMs = netem.delayMs
    if (netem.jitterMs > 0) fields.jitterMs = netem.jitterMs
    if (netem.reorder > 0) {
      fields.reorder = netem.reorder
      fields.reorderGap = netem.reorderGap
    }
    if (netem.duplicate > 0) fields.duplicate = netem.duplicate
    if (netem.corrupt > 0) fields.corrupt = netem.corrupt
  }
  return Object.keys(fields).length === 0 ? null : (fields as DatagramImpairment)
}

/** The kernel link's impairment in a few words, naming the tool that does each part. */
export function describeKernelImpairment(kernel: KernelImpairment, lossBy: 'nftables' | 'iptables'): string {
  const parts: string[] = []
  if (kernel.loss > 0) parts.push(`loss ${percent(kernel.loss)} by ${lossBy}`)
  if (kernel.rateLimitBytesPerSec !== undefined)
    parts.push(`rate ${formatBits(kernel.rateLimitBytesPerSec)} by tc tbf`)
  const netem = kernel.netem
  if (netem !== undefined) {
    const netemParts: string[] = []
    if (netem.delayMs > 0 || netem.jitterMs > 0)
      netemParts.push(`delay ${netem.delayMs}${netem.jitterMs > 0 ? `±${netem.jitterMs}` : ''} ms`)
    if (netem.reorder > 0) netemParts.push(`reorder ${percent(netem.reorder)}`)
    if (netem.duplicate > 0) netemParts.push(`duplicate ${percent(netem.duplicate)}`)
    if (netem.corrupt > 0) netemParts.push(`corrupt ${percent(netem.corrupt)}`)
    parts.push(`${netemParts.join(', ')} by netem`)
  }
  return parts.length === 0 ? 'none' : `${parts.join(', ')}, each way`
}

function percent(probability: number): string {
  return `${Math.round(probability * 100_000) / 1000}%`
}

function formatBits(bytesPerSec: number): string {
  const bits = bytesPerSec * 8
  if (bits >= 1e9) return `${round(bits / 1e9)} Gbit/s`
  if (bits >= 1e6) return `${round(bits / 1e6)} Mbit/s`
  if (bits >= 1e3) return `${round(bits / 1e3)} kbit/s`
  return `${round(bits)} bit/s`
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000
}
