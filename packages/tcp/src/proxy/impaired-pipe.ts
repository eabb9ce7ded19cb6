import type { Socket } from 'node:net'
import type { StreamImpairer, StreamPiece, StreamPlan } from '@protolab/core'
import type { StreamCounts } from './stats.js'

/** Bytes due at a time, or the reset that ends the stream. */
type Scheduled =
  | { readonly data: Buffer; readonly atMs: number }
  | { readonly data: undefined; readonly atMs: number }

/**
 * One direction of a relayed connection: reads `source`, plans each chunk with the stream model
 * (or passes it on at once without one) and writes the pieces to `destination` when they are due.
 *
 * Memory is bounded: once the bytes held here and in the destination's write buffer reach the high
 * water mark, reading from `source` pauses, and it resumes below half of it. A write the
 * destination refuses (`write()` false) waits for `drain`. When `source` ends, `destination` is
 * ended after the last held byte (a half-close travels through the relay).
 */
export class ImpairedPipe {
  private readonly queue: Scheduled[] = []
  private head = 0
  private heldBytes = 0
  private timer: NodeJS.Timeout | undefined
  private timerDueMs = Number.POSITIVE_INFINITY
  /** Chunks read whose bytes the model has not placed yet (held behind a modelled loss), from stream position `unplacedStart`. */
  private readonly unplaced: Buffer[] = []
  private unplacedStart = 0
  private advanceTimer: NodeJS.Timeout | undefined
  private waitingForDrain = false
  private pausedSource = false
  private sourceEnded = false
  private destinationEnded = false
  private stopped = false

  constructor(
    private readonly source: Socket,
    private readonly destination: Socket,
    private readonly impairer: StreamImpairer | undefined,
    private readonly counts: StreamCounts,
    private readonly highWaterMarkBytes: number,
    private readonly onReset: () => void,
  ) {
    source.on('data', (chunk: Buffer) => this.onData(chunk))
    source.on('end', () => {
      this.sourceEnded = true
      this.pump()
    })
    destination.on('drain', () => {
      this.waitingForDrain = false
      this.pump()
    })
  }

  /** Stops writing and drops what is held (the connection is closing). */
  stop(): void {
    this.stopped = true
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = undefined
    if (this.advanceTimer !== undefined) clearTimeout(this.advanceTimer)
    this.advanceTimer = undefined
    this.unplaced.length = 0
    this.queue.length = 0
    this.head = 0
    this.heldBytes = 0
  }

  private onData(chunk: Buffer): void {
    if (this.stopped) return
    const nowMs = performance.now()
    if (this.impairer === undefined) {
      this.enqueue(chunk, nowMs)
    } else {
      this.unplaced.push(chunk)
      this.heldBytes += chunk.length
      const plan = this.impairer.plan(chunk.length, nowMs)
      this.place(plan, nowMs)
      this.counts.stalls += plan.stalls
      this.counts.lostSegments += plan.lostSegments
    }
    if (this.heldBytes + this.destination.writableLength >= this.highWaterMarkBytes) {
      this.pausedSource = true
      this.source.pause()
    }
    this.pump()
  }

  /** Queues the pieces the model placed, and the reset it asked for; keeps a timer for what it still holds. */
  private place(plan: StreamPlan, nowMs: number): void {
    for (const piece of plan.pieces) this.queue.push({ data: this.takeUnplaced(piece), atMs: piece.atMs })
    if (plan.reset) {
      const last = this.queue[this.queue.length - 1]
      this.queue.push({ data: undefined, atMs: Math.max(nowMs, last?.atMs ?? nowMs) })
      return
    }
    const dueMs = this.impairer?.nextAdvanceMs
    if (dueMs === undefined || this.advanceTimer !== undefined) return
    // The model holds bytes until the sender's next bytes, or a tail-loss probe's time, tell it when they arrive.
    this.advanceTimer = setTimeout(
      () => {
        this.advanceTimer = undefined
        if (this.stopped || this.impairer === undefined) return
        const now = performance.now()
        this.place(this.impairer.advance(now), now)
        this.pump()
      },
      Math.max(0, dueMs - nowMs),
    )
  }

  /** The bytes of `piece`, taken from the front of the unplaced chunks (pieces come in stream order). */
  private takeUnplaced(piece: StreamPiece): Buffer {
    const parts: Buffer[] = []
    let left = piece.length
    while (left > 0) {
      const first = this.unplaced[0]!
      const offset = piece.position + piece.length - left - this.unplacedStart
      const take = Math.min(left, first.length - offset)
      parts.push(first.subarray(offset, offset + take))
      left -= take
      if (offset + take === first.length) {
        this.unplaced.shift()
        this.unplacedStart += first.length
      }
    }
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts)
  }

  private enqueue(data: Buffer, atMs: number): void {
    this.queue.push({ data, atMs })
    this.heldBytes += data.length
  }

  private pump(): void {
    if (this.stopped) return
    const nowMs = performance.now()
    while (this.head < this.queue.length && !this.waitingForDrain) {
      const next = this.queue[this.head]!
      // Timers may fire up to a millisecond early: write what is due within half a millisecond.
      if (next.atMs > nowMs + 0.5) {
        this.arm(next.atMs, nowMs)
        break
      }
      this.head++
      if (next.data === undefined) {
        this.counts.resets++
        this.stop()
        this.onReset()
        return
      }
      this.heldBytes -= next.data.length
      this.counts.bytes += next.data.length
      this.counts.writes++
      if (!this.destination.write(next.data)) this.waitingForDrain = true
    }
    if (this.head === this.queue.length) {
      this.queue.length = 0
      this.head = 0
    } else if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head)
      this.head = 0
    }
    if (
      this.sourceEnded &&
      this.head === this.queue.length &&
      this.unplaced.length === 0 &&
      !this.destinationEnded
    ) {
      this.destinationEnded = true
      this.destination.end()
    }
    if (
      this.pausedSource &&
      !this.waitingForDrain &&
      this.heldBytes + this.destination.writableLength < this.highWaterMarkBytes / 2
    ) {
      this.pausedSource = false
      this.source.resume()
    }
  }

  private arm(dueMs: number, nowMs: number): void {
    if (this.timer !== undefined && this.timerDueMs <= dueMs) return
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timerDueMs = dueMs
    this.timer = setTimeout(() => {
      this.timer = undefined
      this.timerDueMs = Number.POSITIVE_INFINITY
      this.pump()
    }, dueMs - nowMs)
  }
}
