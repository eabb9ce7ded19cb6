import { readFileSync } from 'node:fs'
import { monotonicMs } from '@protolab/core'
import type { ControlChannel } from './channel.js'

/** How the client's clock relates to the server's, from a few `clock` exchanges. */
export interface ClockSync {
  /** The server's monotonic clock minus the client's, in ms (0 when both share one kernel). */
  readonly offsetMs: number
  /** How far off `offsetMs` may be: half the best round trip (0 when the clock is shared). */
  readonly uncertaintyMs: number
  /** The best round trip of the control channel, in ms. */
  readonly rttMs: number
  /** True when both ends run on one kernel (same boot id): one monotonic clock, exact one-way latency. */
  readonly shared: boolean
}

/** One `clock` exchange: the client's send and receive times, and the server's time in between. */
export interface ClockSample {
  readonly t0: number
  readonly t1: number
  readonly t2: number
}

/** Exchanges made to estimate the offset; the one with the shortest round trip is used. */
export const CLOCK_SAMPLES = 5
const CLOCK_TIMEOUT_MS = 5000

/**
 * The Linux boot id: two processes that read the same one share a kernel, hence CLOCK_MONOTONIC
 * (network namespaces included). Null elsewhere.
 */
export function readBootId(): string | null {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() || null
  } catch {
    return null
  }
}

/**
 * The offset estimate of NTP from the sample with the shortest round trip: the server read its
 * clock (t1) halfway between the client's t0 and t2, give or take half the round trip.
 */
export function estimateOffset(samples: readonly ClockSample[]): { offsetMs: number; rttMs: number } {
  let best: ClockSample | undefined
  for (const sample of samples) {
    if (best === undefined || sample.t2 - sample.t0 < best.t2 - best.t0) best = sample
  }
  if (best === undefined) throw new Error('no clock samples')
  return { offsetMs: best.t1 - (best.t0 + best.t2) / 2, rttMs: best.t2 - best.t0 }
}

/** Measures the control channel's round trip and, across hosts, the offset of the two clocks. */
export async function syncClocks(
  channel: ControlChannel,
  shared: boolean,
  signal?: AbortSignal,
): Promise<ClockSync> {
  const samples: ClockSample[] = []
  for (let i = 0; i < CLOCK_SAMPLES; i++) {
    const t0 = monotonicMs()
    await channel.send({ type: 'clock', t0, t1: null })
    const reply = await channel.next('clock', { timeoutMs: CLOCK_TIMEOUT_MS, ...(signal ? { signal } : {}) })
    samples.push({ t0, t1: reply.t1 ?? Number.NaN, t2: monotonicMs() })
  }
  const { offsetMs, rttMs } = estimateOffset(samples)
  if (shared) return { offsetMs: 0, uncertaintyMs: 0, rttMs, shared }
  return { offsetMs, uncertaintyMs: rttMs / 2, rttMs, shared }
}
