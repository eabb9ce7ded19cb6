import { setTimeout as sleep } from 'node:timers/promises'

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
   * Resolves once message `seq` is due (at once when it already is). Node's timers have 1 ms
   * granularity, so at high rates the messages due within a timer's wait go out together.
   */
  async waitFor(seq: number, nowMs: number, signal?: AbortSignal): Promise<void> {
    const waitMs = this.dueAt(seq) - nowMs
    if (waitMs >= 1) await sleep(Math.floor(waitMs), undefined, { signal })
  }
}
