import { HoldQueue } from '@protolab/core'
import type { TimerHeap } from './timer-heap.js'

/** How one datagram goes on, as a `DatagramImpairer` decided. */
export interface Departure {
  /** Copies to send (2 or more for a duplicate). */
  readonly copies: number
  /** How long to wait before sending them (delay and jitter). */
  readonly delayMs: number
  /** Later datagrams to let past it first (reordering); 0 sends it in turn. */
  readonly holdForPackets: number
}

/** What {@link DelayLine.enter} did with a datagram. */
export type DelayLineOutcome = 'sent' | 'held' | 'delayed' | 'full'

/**
 * Datagrams held or delayed by every delay line of one relay together, up to `max`: past it a
 * datagram is refused, so a long delay at a high rate cannot take the process's memory.
 */
export class HoldBudget {
  private count = 0
  private idleWaiters: (() => void)[] = []

  constructor(readonly max: number) {}

  /** Datagrams held or delayed now. */
  get held(): number {
    return this.count
  }

  /** Resolves once nothing is held or delayed (at once when nothing is). */
  idle(): Promise<void> {
    if (this.count === 0) return Promise.resolve()
    return new Promise((resolve) => this.idleWaiters.push(resolve))
  }

  /** @internal Takes a place; false when there is none. */
  take(): boolean {
    if (this.count >= this.max) return false
    this.count++
    return true
  }

  /** @internal Gives a place back. */
  give(): void {
    if (--this.count > 0) return
    const waiters = this.idleWaiters
    this.idleWaiters = []
    for (const resolve of waiters) resolve()
  }
}

/** Construction options of a {@link DelayLine}. */
export interface DelayLineInit<T> {
  /** Sends one copy of a datagram. */
  readonly send: (item: T) => void
  readonly timers: TimerHeap
  /** The longest a datagram is held for reordering before it goes anyway. */
  readonly maxHoldMs: number
  readonly budget: HoldBudget
}

interface Pending<T> {
  readonly item: T
  readonly copies: number
  readonly delayMs: number
}

/**
 * One direction of a relay, after its impairer decided: a datagram's copies go now, after their
 * delay, or once enough later datagrams went past it (or `maxHoldMs` passed), on one timer heap.
 * Shared by the UDP proxy and the lab's packet link, so both hold and delay alike.
 */
export class DelayLine<T> {
  private readonly hold: HoldQueue<Pending<T>>

  constructor(private readonly init: DelayLineInit<T>) {
    this.hold = new HoldQueue(init.maxHoldMs)
  }

  /** Takes a datagram as `departure` says; `full` when the budget had no place for it (it is dropped). */
  enter(item: T, departure: Departure, nowMs: number): DelayLineOutcome {
    const pending: Pending<T> = { item, copies: departure.copies, delayMs: departure.delayMs }
    if (departure.holdForPackets > 0) {
      if (!this.init.budget.take()) return 'full'
      this.hold.hold(pending, departure.holdForPackets, nowMs)
      const deadlineMs = nowMs + this.init.maxHoldMs
      // The timer heap runs a task up to half a millisecond early: as of its deadline, or this
      // datagram would stay held until another one passes, and the last one of a run for ever.
      this.init.timers.schedule(deadlineMs, () =>
        this.releaseAll(this.hold.expired(Math.max(deadlineMs, performance.now()))),
      )
      return 'held'
    }
    const outcome = this.dispatch(pending, nowMs)
    this.releaseAll(this.hold.passed())
    return outcome
  }

  private releaseAll(released: readonly Pending<T>[]): void {
    const nowMs = performance.now()
    for (const pending of released) {
      if (pending.delayMs > 0) {
        // It keeps its place in the budget for its delay.
        this.later(pending, nowMs)
        continue
      }
      this.sendCopies(pending)
      this.init.budget.give()
    }
  }

  private dispatch(pending: Pending<T>, nowMs: number): DelayLineOutcome {
    if (pending.delayMs <= 0) {
      this.sendCopies(pending)
      return 'sent'
    }
    if (!this.init.budget.take()) return 'full'
    this.later(pending, nowMs)
    return 'delayed'
  }

  private later(pending: Pending<T>, nowMs: number): void {
    this.init.timers.schedule(nowMs + pending.delayMs, () => {
      this.sendCopies(pending)
      this.init.budget.give()
    })
  }

  private sendCopies(pending: Pending<T>): void {
    for (let copy = 0; copy < pending.copies; copy++) this.init.send(pending.item)
  }
}
