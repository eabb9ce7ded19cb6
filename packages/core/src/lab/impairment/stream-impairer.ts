import { createRandom, type Random } from '../random.js'
import {
  DEFAULT_RTO_MS,
  DEFAULT_SEGMENT_BYTES,
  type StreamImpairment,
  validateStreamImpairment,
} from './config.js'

/** A piece of a chunk to write at a given time. */
export interface StreamPiece {
  /** Offset of the piece in the chunk given to {@link StreamImpairer.plan}. */
  readonly offset: number
  readonly length: number
  /** When to write it, on the clock of `nowMs`. Never earlier than the piece before it. */
  readonly atMs: number
}

/** How to deliver one chunk. */
export interface StreamPlan {
  /** The pieces to write, in order; together the whole chunk, or its head when `reset`. */
  readonly pieces: readonly StreamPiece[]
  /** Reset the connection (RST) after writing the pieces; the rest of the chunk is never written. */
  readonly reset: boolean
  /** Segments "lost" by modelled loss in this chunk (each a stall of one RTO). */
  readonly lostSegments: number
  /** Stalls (from `stallEveryBytes` or `stallProbability`) in this chunk. */
  readonly stalls: number
}

/** Construction options of a {@link StreamImpairer}. */
export interface StreamImpairerInit {
  readonly impairment: StreamImpairment
  /** The run's seed. */
  readonly seed: number
  /** Selects independent decisions for separate users of one seed (each direction, each connection). Default 0. */
  readonly stream?: number
}

/** Random streams per impairer: one for each feature. */
const FEATURES = 4

/**
 * The seeded byte-stream impairment model of one direction of a TCP connection: pure plans, no
 * sockets and no timers. Each chunk the relay reads becomes a list of pieces with write times:
 *
 * - the rate limit paces pieces (each leaves once the link has sent the bytes before it);
 * - delay and jitter (jitter drawn per segment) shift them, never before the piece before them;
 * - a stall (every `stallEveryBytes`, or per segment with `stallProbability`) and a modelled lost
 *   segment (`loss`, one `rtoMs` each) hold that piece and everything after it;
 * - `sliceBytes` cuts pieces at every multiple of that many stream bytes;
 * - a reset (after `resetAfterBytes`, or per segment with `resetProbability`) ends the plan.
 *
 * Which segments are lost, stalled or reset depends only on the seed and byte positions.
 */
export class StreamImpairer {
  private readonly config: StreamImpairment
  private readonly segmentBytes: number
  private readonly perSegment: boolean
  private readonly active: boolean
  private readonly lossRandom: Random
  private readonly stallRandom: Random
  private readonly resetRandom: Random
  private readonly jitterRandom: Random
  /** Stream bytes planned so far. */
  private position = 0
  private linkFreeAtMs = Number.NEGATIVE_INFINITY
  private lastAtMs = Number.NEGATIVE_INFINITY
  private segmentJitterMs = 0
  private pendingStallMs = 0
  private resetDone = false

  /** @throws InvalidArgumentError when the impairment has a value it cannot take */
  constructor(init: StreamImpairerInit) {
    validateStreamImpairment(init.impairment)
    const c = init.impairment
    this.config = c
    this.segmentBytes = c.segmentBytes ?? DEFAULT_SEGMENT_BYTES
    const base = (init.stream ?? 0) * FEATURES
    this.lossRandom = createRandom(init.seed, base)
    this.stallRandom = createRandom(init.seed, base + 1)
    this.resetRandom = createRandom(init.seed, base + 2)
    this.jitterRandom = createRandom(init.seed, base + 3)
    this.perSegment =
      (c.loss ?? 0) > 0 ||
      (c.stallProbability ?? 0) > 0 ||
      (c.resetProbability ?? 0) > 0 ||
      (c.jitterMs ?? 0) > 0 ||
      (c.rateLimitBytesPerSec ?? 0) > 0
    this.active =
      this.perSegment ||
      (c.delayMs ?? 0) > 0 ||
      (c.sliceBytes ?? 0) > 0 ||
      (c.stallEveryBytes ?? 0) > 0 ||
      (c.resetAfterBytes ?? 0) > 0
  }

  /** Stream bytes planned so far (including a chunk cut short by a reset, up to the reset). */
  get bytesPlanned(): number {
    return this.position
  }

  /** Plans the delivery of a chunk of `length` bytes that the relay read at `nowMs`. */
  plan(length: number, nowMs: number): StreamPlan {
    if (this.resetDone) return { pieces: [], reset: true, lostSegments: 0, stalls: 0 }
    if (!this.active) {
      this.position += length
      const atMs = Math.max(nowMs, this.lastAtMs)
      this.lastAtMs = atMs
      return {
        pieces: length > 0 ? [{ offset: 0, length, atMs }] : [],
        reset: false,
        lostSegments: 0,
        stalls: 0,
      }
    }
    const c = this.config
    const pieces: StreamPiece[] = []
    const start = this.position
    const end = start + length
    let lostSegments = 0
    let stalls = 0
    let cursor = start
    while (cursor < end) {
      if (c.resetAfterBytes !== undefined && c.resetAfterBytes > 0 && cursor >= c.resetAfterBytes) {
        return this.finishWithReset(pieces, cursor, lostSegments, stalls)
      }
      if (this.perSegment && cursor % this.segmentBytes === 0) {
        if (chance(this.resetRandom, c.resetProbability))
          return this.finishWithReset(pieces, cursor, lostSegments, stalls)
        if (chance(this.lossRandom, c.loss)) {
          lostSegments++
          this.pendingStallMs += c.rtoMs ?? DEFAULT_RTO_MS
        }
        if (chance(this.stallRandom, c.stallProbability)) {
          stalls++
          this.pendingStallMs += c.stallMs ?? 0
        }
        const jitterMs = c.jitterMs ?? 0
        if (jitterMs > 0) this.segmentJitterMs = (2 * this.jitterRandom.next() - 1) * jitterMs
      }
      const stallEvery = c.stallEveryBytes ?? 0
      if (stallEvery > 0 && cursor > 0 && cursor % stallEvery === 0) {
        stalls++
        this.pendingStallMs += c.stallMs ?? 0
      }
      const pieceEnd = Math.min(end, this.nextCut(cursor))
      this.addPiece(pieces, cursor - start, pieceEnd - cursor, nowMs)
      cursor = pieceEnd
    }
    this.position = end
    return { pieces, reset: false, lostSegments, stalls }
  }

  /** The next stream position where a piece must end: a segment, slice, stall or reset boundary. */
  private nextCut(cursor: number): number {
    const c = this.config
    let cut = Number.POSITIVE_INFINITY
    if (this.perSegment) cut = nextMultiple(cursor, this.segmentBytes)
    if ((c.sliceBytes ?? 0) > 0) cut = Math.min(cut, nextMultiple(cursor, c.sliceBytes!))
    if ((c.stallEveryBytes ?? 0) > 0) cut = Math.min(cut, nextMultiple(cursor, c.stallEveryBytes!))
    if ((c.resetAfterBytes ?? 0) > 0 && cursor < c.resetAfterBytes!) cut = Math.min(cut, c.resetAfterBytes!)
    return cut
  }

  private addPiece(pieces: StreamPiece[], offset: number, length: number, nowMs: number): void {
    const c = this.config
    let readyMs = nowMs
    const rate = c.rateLimitBytesPerSec ?? 0
    if (rate > 0) {
      this.linkFreeAtMs = Math.max(this.linkFreeAtMs, nowMs) + (length * 1000) / rate
      readyMs = this.linkFreeAtMs
    }
    let atMs = Math.max(readyMs + Math.max(0, (c.delayMs ?? 0) + this.segmentJitterMs), this.lastAtMs)
    atMs += this.pendingStallMs
    this.pendingStallMs = 0
    this.lastAtMs = atMs
    const previous = pieces[pieces.length - 1]
    if (previous !== undefined && previous.atMs === atMs && !((c.sliceBytes ?? 0) > 0)) {
      pieces[pieces.length - 1] = { offset: previous.offset, length: previous.length + length, atMs }
    } else {
      pieces.push({ offset, length, atMs })
    }
  }

  private finishWithReset(
    pieces: StreamPiece[],
    cursor: number,
    lostSegments: number,
    stalls: number,
  ): StreamPlan {
    this.position = cursor
    this.resetDone = true
    return { pieces, reset: true, lostSegments, stalls }
  }
}

function nextMultiple(position: number, step: number): number {
  return (Math.floor(position / step) + 1) * step
}

function chance(random: Random, probability: number | undefined): boolean {
  return probability !== undefined && probability > 0 && random.next() < probability
}
