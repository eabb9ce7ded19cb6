import { InvalidArgumentError, ProtolabError } from '../errors.js'

/** Construction options of a {@link MessageQueue}. */
export interface MessageQueueInit<T = unknown> {
  /** At this many queued items `push` returns false: the producer should pause. Default 4,096. */
  readonly highWaterMark?: number
  /**
   * At this many queued bytes, as `sizeOf` counts them, `push` returns false too, so a few large
   * items bound memory as many small ones do. Needs `sizeOf`. Default: no byte limit.
   */
  readonly highWaterMarkBytes?: number
  /** The size of an item in bytes (a message's payload length); must give the same for an item each time. */
  readonly sizeOf?: (item: T) => number
  /**
   * Called after a pause once the consumer has taken the queue back to half the high-water mark
   * or less, in items and in bytes.
   */
  readonly onResume?: () => void
}

const DEFAULT_HIGH_WATER_MARK = 4096

/**
 * A single-consumer async queue between a socket's callbacks and `for await`. It never drops:
 * `push` says when the producer should pause (TCP pauses the socket; UDP, which cannot push back,
 * counts what it had to drop), so memory stays bounded by the producer's reaction. It pauses on
 * whichever limit is reached first: the count of items, or their bytes when `sizeOf` is given.
 */
export class MessageQueue<T> implements AsyncIterable<T> {
  private items: (T | undefined)[] = []
  private head = 0
  private waiting: ((result: IteratorResult<T>) => void) | undefined
  private waitingReject: ((error: unknown) => void) | undefined
  private ended = false
  private failure: unknown
  private paused = false
  private iterating = false
  private queuedBytes = 0
  private readonly highWaterMark: number
  private readonly highWaterMarkBytes: number
  private readonly sizeOf: ((item: T) => number) | undefined
  private readonly onResume: (() => void) | undefined

  /** @throws InvalidArgumentError for a limit that is not a positive integer, or a byte limit without `sizeOf`. */
  constructor(init: MessageQueueInit<T> = {}) {
    this.highWaterMark = positiveLimit('highWaterMark', init.highWaterMark ?? DEFAULT_HIGH_WATER_MARK)
    if (init.highWaterMarkBytes !== undefined && init.sizeOf === undefined) {
      throw new InvalidArgumentError('highWaterMarkBytes needs sizeOf, to know how many bytes an item holds')
    }
    this.highWaterMarkBytes =
      init.highWaterMarkBytes === undefined
        ? Number.POSITIVE_INFINITY
        : positiveLimit('highWaterMarkBytes', init.highWaterMarkBytes)
    this.sizeOf = init.sizeOf
    this.onResume = init.onResume
  }

  /** Bytes of the items waiting for the consumer, as `sizeOf` counts them (0 without it). */
  get byteLength(): number {
    return this.queuedBytes
  }

  /** Items waiting for the consumer. */
  get length(): number {
    return this.items.length - this.head
  }

  /** True once `end` was called. */
  get isEnded(): boolean {
    return this.ended
  }

  /** Adds an item; returns false when the producer should pause until `onResume`. */
  push(item: T): boolean {
    if (this.ended) return false
    const waiting = this.waiting
    if (waiting !== undefined) {
      this.waiting = undefined
      this.waitingReject = undefined
      waiting({ value: item, done: false })
      return true
    }
    this.items.push(item)
    if (this.sizeOf !== undefined) this.queuedBytes += this.sizeOf(item)
    if (this.length >= this.highWaterMark || this.queuedBytes >= this.highWaterMarkBytes) {
      this.paused = true
      return false
    }
    return true
  }

  /** Ends the queue: the consumer takes what is queued, then finishes (or throws `error`). */
  end(error?: unknown): void {
    if (this.ended) return
    this.ended = true
    this.failure = error
    if (this.waiting !== undefined && this.length === 0) this.settleWaiting()
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    if (this.iterating)
      throw new ProtolabError('ERR_INVALID_ARGUMENT', 'an endpoint can be iterated by one consumer at a time')
    this.iterating = true
    return {
      next: () => this.next(),
      return: async () => {
        this.iterating = false
        return { value: undefined, done: true }
      },
    }
  }

  private next(): Promise<IteratorResult<T>> {
    if (this.length > 0) {
      const item = this.items[this.head] as T
      this.items[this.head] = undefined
      this.head++
      if (this.sizeOf !== undefined) this.queuedBytes -= this.sizeOf(item)
      if (this.head === this.items.length) {
        this.items = []
        this.head = 0
      } else if (this.head > 1024 && this.head * 2 > this.items.length) {
        this.items = this.items.slice(this.head)
        this.head = 0
      }
      if (
        this.paused &&
        this.length <= this.highWaterMark >> 1 &&
        this.queuedBytes <= this.highWaterMarkBytes / 2
      ) {
        this.paused = false
        this.onResume?.()
      }
      return Promise.resolve({ value: item, done: false })
    }
    if (this.ended) {
      this.iterating = false
      if (this.failure !== undefined) {
        const failure = this.failure
        this.failure = undefined
        return Promise.reject(failure)
      }
      return Promise.resolve({ value: undefined, done: true })
    }
    return new Promise((resolve, reject) => {
      this.waiting = resolve
      this.waitingReject = reject
    })
  }

  private settleWaiting(): void {
    const resolve = this.waiting
    const reject = this.waitingReject
    this.waiting = undefined
    this.waitingReject = undefined
    this.iterating = false
    if (this.failure !== undefined) {
      const failure = this.failure
      this.failure = undefined
      reject?.(failure)
    } else {
      resolve?.({ value: undefined, done: true })
    }
  }
}

function positiveLimit(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new InvalidArgumentError(`${name} must be a whole number 1 or more, not ${String(value)}`)
  }
  return value
}
