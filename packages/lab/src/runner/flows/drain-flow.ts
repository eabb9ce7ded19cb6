import { setImmediate as afterIo, setTimeout as sleep } from 'node:timers/promises'
import { monotonicMs } from '@protolab/core'
import type { CounterStatus } from '../roles/counter.js'

/** When a run of flows has finished arriving. */
export interface DrainFlowsPlan {
  /** Messages each flow sent, in the order of the statuses. */
  readonly sent: readonly number[]
  /** The run is over once nothing of any flow arrived for this long (of time this process ran). */
  readonly quietMs: number
  /**
   * While a flow that cannot lose anything (no loss, no corruption, no rate limit on its way; TCP
   * always) still misses messages, the quiet time is at least this: they are in flight (a loaded
   * machine can hold loopback packets in a softirq backlog for hundreds of ms), not lost.
   */
  readonly inFlightQuietMs: number
  /** Per flow, in the order of the statuses: true when everything it sent must arrive. */
  readonly lossless: readonly boolean[]
  /** After everything arrived, wait this long for trailing duplicates. */
  readonly settleMs: number
  readonly signal: AbortSignal
}

/** How often the counters are asked how far they got. */
const POLL_INTERVAL_MS = 20
/** The most quiet one poll can add: a longer gap means this process was not running, not that nothing came. */
const MAX_QUIET_STEP_MS = 2 * POLL_INTERVAL_MS

/**
 * Waits until a run of flows whose senders, relays and counters run in this process has arrived:
 * every flow delivered all it sent (and `settleMs` passed), or nothing of any flow arrived for the
 * quiet time. Quiet only grows by at most {@link MAX_QUIET_STEP_MS} per poll, and each poll first
 * lets this turn's socket reads run, so a process that was descheduled does not take the datagrams
 * waiting in its sockets for silence. Resolves to the last statuses; rejects when aborted.
 */
export async function drainFlows(
  status: () => readonly CounterStatus[] | Promise<readonly CounterStatus[]>,
  plan: DrainFlowsPlan,
): Promise<readonly CounterStatus[]> {
  let lastArrivals = -1
  let quietMs = 0
  let lastPollMs = monotonicMs()
  for (;;) {
    // Timers run before the event loop reads sockets: let this turn's reads happen first.
    await afterIo(undefined, { signal: plan.signal })
    const current = await status()
    const nowMs = monotonicMs()
    const stepMs = Math.min(nowMs - lastPollMs, MAX_QUIET_STEP_MS)
    lastPollMs = nowMs
    const arrivals = current.reduce((sum, flow) => sum + flow.arrivals, 0)
    if (arrivals !== lastArrivals) {
      lastArrivals = arrivals
      quietMs = 0
    } else {
      quietMs += stepMs
    }
    const missing = current.map((flow, i) => flow.delivered < (plan.sent[i] ?? 0))
    if (!missing.some(Boolean) && quietMs >= plan.settleMs) return current
    const inFlight = missing.some((miss, i) => miss && plan.lossless[i] === true)
    if (quietMs >= (inFlight ? Math.max(plan.quietMs, plan.inFlightQuietMs) : plan.quietMs)) return current
    await sleep(POLL_INTERVAL_MS, undefined, { signal: plan.signal })
  }
}
