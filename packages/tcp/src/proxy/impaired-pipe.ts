import type { Socket } from 'node:net'
import type { StreamImpairer } from '@protolab/core'
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
      const plan = this.impairer.plan(chunk.length, nowMs)
      for (const piece of plan.pieces)
        this.enqueue(chunk.subarray(piece.offset, piece.offset + piece.length), piece.atMs)
      this.counts.stalls += plan.stalls
      this.counts.lostSegments += plan.lostSegments
      if (plan.reset) {
        const last = this.queue[this.queue.length - 1]
        this.queue.push({ data: undefined, atMs: Math.max(nowMs, last?.atMs ?? nowMs) })
      }
    }
    if (this.heldBytes + this.destination.writableLength >= this.highWaterMarkBytes) {
      this.pausedSource = true
      this.source.pause()
    }
    this.pump()
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
    if (this.sourceEnded && this.head === this.queue.length && !this.destinationEnded) {
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
