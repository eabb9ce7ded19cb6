/**
 * Tasks due at given times (ms on `performance.now()`), run by one timer: a binary min-heap
 * ordered by due time, then by insertion, so frames due together leave in the order they came.
 */
export class TimerHeap {
  private readonly entries: { dueMs: number; order: number; task: () => void }[] = []
  private added = 0
  private timer: NodeJS.Timeout | undefined
  private timerDueMs = Number.POSITIVE_INFINITY
  private closed = false

  /** Tasks waiting. */
  get size(): number {
    return this.entries.length
  }

  /** Runs `task` at `dueMs` (from the timer, at once when `dueMs` has passed). */
  schedule(dueMs: number, task: () => void): void {
    if (this.closed) return
    const entries = this.entries
    entries.push({ dueMs, order: this.added++, task })
    let i = entries.length - 1
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (!this.before(i, parent)) break
      this.swap(i, parent)
      i = parent
    }
    this.arm()
  }

  /** Drops every waiting task and stops the timer. */
  clear(): void {
    this.closed = true
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = undefined
    this.entries.length = 0
  }

  private arm(): void {
    const next = this.entries[0]?.dueMs
    if (next === undefined || next >= this.timerDueMs) return
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timerDueMs = next
    this.timer = setTimeout(() => this.fire(), Math.max(0, next - performance.now()))
  }

  private fire(): void {
    this.timer = undefined
    this.timerDueMs = Number.POSITIVE_INFINITY
    const now = performance.now()
    // setTimeout may fire up to a millisecond early: run what is due within half a millisecond.
    while (this.entries.length > 0 && this.entries[0]!.dueMs <= now + 0.5) {
      this.pop()()
      if (this.closed) return
    }
    this.arm()
  }

  private pop(): () => void {
    const entries = this.entries
    const top = entries[0]!.task
    const last = entries.pop()!
    if (entries.length > 0) {
      entries[0] = last
      let i = 0
      for (;;) {
        const left = 2 * i + 1
        const right = left + 1
        let smallest = i
        if (left < entries.length && this.before(left, smallest)) smallest = left
        if (right < entries.length && this.before(right, smallest)) smallest = right
        if (smallest === i) break
        this.swap(i, smallest)
        i = smallest
      }
    }
    return top
  }

  private before(a: number, b: number): boolean {
    const x = this.entries[a]!
    const y = this.entries[b]!
    return x.dueMs < y.dueMs || (x.dueMs === y.dueMs && x.order < y.order)
  }

  private swap(a: number, b: number): void {
    const entry = this.entries[a]!
    this.entries[a] = this.entries[b]!
    this.entries[b] = entry
  }
}
