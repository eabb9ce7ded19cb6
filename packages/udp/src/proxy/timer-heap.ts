/**
 * Tasks due at given times (ms on `performance.now()`), run by a single timer: a binary min-heap
 * ordered by due time, then by insertion, so tasks due together run in the order they were added.
 * One timer for any number of delayed datagrams, instead of one per datagram.
 */
export class TimerHeap {
  private readonly dueMs: number[] = []
  private readonly order: number[] = []
  private readonly tasks: (() => void)[] = []
  private added = 0
  private timer: NodeJS.Timeout | undefined
  private timerDueMs = Number.POSITIVE_INFINITY
  private closed = false

  /** Tasks waiting. */
  get size(): number {
    return this.tasks.length
  }

  /** Runs `task` at `dueMs` (at once, from the timer, when `dueMs` has passed). */
  schedule(dueMs: number, task: () => void): void {
    if (this.closed) return
    this.push(dueMs, this.added++, task)
    this.arm()
  }

  /** Drops every waiting task and stops the timer. */
  clear(): void {
    this.closed = true
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = undefined
    this.dueMs.length = 0
    this.order.length = 0
    this.tasks.length = 0
  }

  private arm(): void {
    const next = this.dueMs[0]
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
    while (this.tasks.length > 0 && this.dueMs[0]! <= now + 0.5) {
      const task = this.pop()
      task()
      if (this.closed) return
    }
    this.arm()
  }

  private push(dueMs: number, order: number, task: () => void): void {
    let i = this.tasks.length
    this.dueMs.push(dueMs)
    this.order.push(order)
    this.tasks.push(task)
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (!this.before(i, parent)) break
      this.swap(i, parent)
      i = parent
    }
  }

  private pop(): () => void {
    const top = this.tasks[0]!
    const last = this.tasks.length - 1
    this.swap(0, last)
    this.dueMs.pop()
    this.order.pop()
    this.tasks.pop()
    let i = 0
    for (;;) {
      const left = 2 * i + 1
      const right = left + 1
      let smallest = i
      if (left < last && this.before(left, smallest)) smallest = left
      if (right < last && this.before(right, smallest)) smallest = right
      if (smallest === i) break
      this.swap(i, smallest)
      i = smallest
    }
    return top
  }

  private before(a: number, b: number): boolean {
    const dueA = this.dueMs[a]!
    const dueB = this.dueMs[b]!
    return dueA < dueB || (dueA === dueB && this.order[a]! < this.order[b]!)
  }

  private swap(a: number, b: number): void {
    const dueMs = this.dueMs[a]!
    this.dueMs[a] = this.dueMs[b]!
    this.dueMs[b] = dueMs
    const order = this.order[a]!
    this.order[a] = this.order[b]!
    this.order[b] = order
    const task = this.tasks[a]!
    this.tasks[a] = this.tasks[b]!
    this.tasks[b] = task
  }
}
