import { setTimeout as sleep } from 'node:timers/promises'
import { monotonicMs } from '@protolab/core'

/**
 * Paces a sender at `ratePerSec` messages per second against an absolute schedule: message n is
 * due at `start + n / rate`, so a late timer is caught up by sending the messages that are due at
 * once, and the rate never drifts. Rate 0 means as fast as possible.
 */
export class Pacer {
  private readonly intervalMs: number

  constructor(
    ratePerSec: number,
    private readonly startMs: number,
  ) {
    this.intervalMs = ratePerSec > 0 ? 1000 / ratePerSec : 0
  }

  /** When message `seq` is due, in the clock of `startMs`. */
  dueAt(seq: number): number {
    return this.startMs + seq * this.intervalMs
  }

  /**
   * Resolves once message `seq` is due (at once when it already is), never before. Node's timers
   * have 1 ms granularity, so at high rates the messages that fell due during a timer's wait go
   * out together after it.
   */
  async waitFor(seq: number, nowMs: number, signal?: AbortSignal): Promise<void> {
    const dueMs = this.dueAt(seq)
    // A timer can fire a fraction of a millisecond early (libuv rounds its clock): wait again then.
    for (let now = nowMs; now < dueMs; now = monotonicMs()) {
      await sleep(Math.ceil(dueMs - now), undefined, { signal })
    }
  }
}
