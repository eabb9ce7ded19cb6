const NOTHING: readonly never[] = Object.freeze([])

/**
 * The reordering buffer of a datagram relay: a held item is released once `gap` later items have
 * been forwarded past it, or once it has waited `maxHoldMs` (so the last items of a run go out).
 * Pure: the relay calls {@link passed} for each item it forwards and {@link expired} from a timer.
 */
export class HoldQueue<T> {
  private readonly held: { item: T; remaining: number; deadlineMs: number }[] = []

  constructor(private readonly maxHoldMs: number) {}

  /** Items held now. */
  get size(): number {
    return this.held.length
  }

  /** The earliest deadline among held items, or undefined when none is held. */
  get nextDeadlineMs(): number | undefined {
    let earliest: number | undefined
    for (const entry of this.held)
      if (earliest === undefined || entry.deadlineMs < earliest) earliest = entry.deadlineMs
    return earliest
  }

  /** Holds `item` until `gap` later items have passed, or until `nowMs + maxHoldMs`. */
  hold(item: T, gap: number, nowMs: number): void {
    this.held.push({ item, remaining: gap, deadlineMs: nowMs + this.maxHoldMs })
  }

  /** Counts one forwarded item past every held one; returns those released by it, oldest first. */
  passed(): readonly T[] {
    return this.release((entry) => --entry.remaining <= 0)
  }

  /** Returns the items whose deadline is at or before `nowMs`, oldest first. */
  expired(nowMs: number): readonly T[] {
    return this.release((entry) => entry.deadlineMs <= nowMs)
  }

  /** Returns every held item, oldest first, and empties the queue. */
  drain(): readonly T[] {
    return this.release(() => true)
  }

  private release(due: (entry: { remaining: number; deadlineMs: number }) => boolean): readonly T[] {
    if (this.held.length === 0) return NOTHING
    const released: T[] = []
    let kept = 0
    for (const entry of this.held) {
      if (due(entry)) released.push(entry.item)
      else this.held[kept++] = entry
    }
    this.held.length = kept
    return released
  }
}
