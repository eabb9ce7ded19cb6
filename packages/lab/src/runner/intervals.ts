import { type LabInterval, nowNs } from '@protolab/core'
import type { LabTransportName } from './transport-name.js'

/** Messages sent per interval of `intervalMs` from `originNs`, counted by the send loop. */
export class SentTally {
  private readonly counts: number[] = []
  private readonly intervalNs: number

  constructor(
    readonly originNs: number,
    intervalMs: number,
  ) {
    this.intervalNs = intervalMs * 1e6
  }

  /** Counts one message sent at `sentAtNs`. */
  count(sentAtNs: number): void {
    const index = Math.max(0, Math.floor((sentAtNs - this.originNs) / this.intervalNs))
    this.counts[index] = (this.counts[index] ?? 0) + 1
  }

  /** Messages sent in the interval that starts at `startMs` after the origin. */
  sentIn(startMs: number): number {
    return this.counts[Math.round((startMs * 1e6) / this.intervalNs)] ?? 0
  }

  /** Messages sent from the interval that starts at `startMs` on, to the end (for a run's last interval). */
  sentFrom(startMs: number): number {
    let sent = 0
    for (let index = Math.round((startMs * 1e6) / this.intervalNs); index < this.counts.length; index++)
      sent += this.counts[index] ?? 0
    return sent
  }
}

/** Called with each interval of a run as soon as it is known. */
export type IntervalListener = (transport: LabTransportName, interval: LabInterval) => void

/**
 * A run's intervals while it goes: every `intervalMs` it takes the intervals the counting side
 * closed (`take`, across IPC for a receiver in a child process), adds what was sent in each, and
 * hands them to `onInterval`; {@link finish} adds the rest once the run has drained.
 */
export class IntervalReporter {
  private readonly all: LabInterval[] = []
  private timer: NodeJS.Timeout | undefined
  private pending: Promise<void> = Promise.resolve()
  private last: LabInterval[] = []

  constructor(
    private readonly transport: LabTransportName,
    private readonly tally: SentTally,
    private readonly take: (nowNs: number, final: boolean) => Promise<LabInterval[]>,
    private readonly onInterval: IntervalListener | undefined,
    intervalMs: number,
  ) {
    this.timer = setInterval(() => {
      // One take at a time: a slow reply is never overtaken by the next.
      this.pending = this.pending.then(() => this.collect()).catch(() => {})
    }, intervalMs)
    this.timer.unref()
  }

  /** Stops taking intervals while the run drains (no empty intervals of waiting). */
  stop(): void {
    clearInterval(this.timer)
    this.timer = undefined
  }

  /** Takes the last intervals, up to the last arrival; call before the counting side closes. */
  async takeLast(): Promise<void> {
    this.stop()
    await this.pending
    this.last = await this.take(nowNs(), true)
  }

  /**
   * Hands out the last intervals, the messages that no arrival showed lost (sent after the last
   * one that arrived) counted in the last of them, and resolves to every interval of the run.
   */
  complete(runLost: number): LabInterval[] {
    const counted = [...this.all, ...this.last].reduce((sum, interval) => sum + interval.lost, 0)
    const tail = Math.max(0, runLost - counted)
    this.emit(this.last, tail)
    this.last = []
    return this.all
  }

  private async collect(): Promise<void> {
    this.emit(await this.take(nowNs(), false), 0)
  }

  private emit(closed: readonly LabInterval[], tailLost: number): void {
    for (const [index, interval] of closed.entries()) {
      const complete: LabInterval = {
        ...interval,
        sent: this.tally.sentIn(interval.startMs),
        lost: interval.lost + (index === closed.length - 1 ? tailLost : 0),
      }
      this.all.push(complete)
      this.onInterval?.(this.transport, complete)
    }
  }
}
