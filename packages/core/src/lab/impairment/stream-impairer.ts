import { createRandom, type Random } from '../random.js'
import {
  DEFAULT_RTO_MS,
  DEFAULT_SEGMENT_BYTES,
  type StreamImpairment,
  validateStreamImpairment,
} from './config.js'
import {
  DUPLICATE_ACK_THRESHOLD,
  MAX_LOST_RETRANSMISSIONS,
  RTO_MAX_MS,
  rackRetransmitMs,
  type TcpRecoveryTiming,
  tcpRecoveryTiming,
} from './tcp-recovery.js'

/** A piece of the stream to write at a given time. */
export interface StreamPiece {
  /** Stream position of the piece's first byte (bytes given to {@link StreamImpairer.plan} before it). */
  readonly position: number
  readonly length: number
  /** When to write it, on the clock of `nowMs`. Never earlier than the piece before it. */
  readonly atMs: number
}

/** What to write after a call of {@link StreamImpairer.plan} or {@link StreamImpairer.advance}. */
export interface StreamPlan {
  /**
   * The pieces whose time is now known, in stream order, each following the last one returned.
   * Usually the chunk just given; bytes behind a modelled loss whose recovery is not yet known
   * (it depends on what the sender sends next) are held and come in a later plan or advance.
   */
  readonly pieces: readonly StreamPiece[]
  /** Reset the connection (RST) after writing the pieces; the rest of the chunk is never written. */
  readonly reset: boolean
  /** Segments lost by modelled loss in this chunk (each recovered as TCP would, see {@link StreamImpairer}). */
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

/** A segment lost by modelled loss, waiting for the event that recovers it. */
interface LostSegment {
  /** When it was last sent (after a lost probe, when the RTO timer started). */
  sentMs: number
  /** Its one-way delay (the delay and its segment's jitter). */
  readonly oneWayMs: number
  /** How many of its coming retransmissions are lost too (drawn when it was lost). */
  lostRetransmissions: number
  /** False until it is re-sent, while a tail-loss probe covers it; then the RTO does. */
  retransmitted: boolean
  /** RTOs spent on it: each doubles the next. */
  backoffs: number
  /** Segments sent after its last transmission that got through (their SACKs). */
  sacksAfter: number
  /** Once the first of those SACKs is in: when RACK's reordering timer re-sends it. */
  rackMs: number | undefined
  /** When it reaches the receiver, once known. */
  arrivalMs: number | undefined
}

/** Bytes planned but not yet returned as a piece. */
interface HeldPiece {
  readonly position: number
  readonly length: number
  /** When the bytes reach the receiver, when not lost. */
  readonly arrivalMs: number
  /** Set when the bytes belong to a lost segment: its arrival replaces `arrivalMs`. */
  readonly lost: LostSegment | undefined
  /** A stall that holds these bytes and everything after them. */
  readonly stallMs: number
}

/**
 * The seeded byte-stream impairment model of one direction of a TCP connection: pure plans, no
 * sockets and no timers. Each chunk the relay reads becomes a list of pieces with write times:
 *
 * - the rate limit paces pieces (each leaves once the link has sent the bytes before it);
 * - delay and jitter (jitter drawn per segment) shift them, never before the piece before them;
 * - a stall (every `stallEveryBytes`, or per segment with `stallProbability`) holds that piece and
 *   everything after it;
 * - modelled `loss` loses whole segments (a chunk the relay read is one segment, or several of at
 *   most `segmentBytes`, as the sender's writes became packets) and recovers each as Linux TCP
 *   does (see {@link TcpRecoveryTiming}): by RACK about an RTT plus a reordering window later when
 *   a later segment gets through, by a tail-loss probe 2 × SRTT after the last transmission when
 *   none does; a retransmission that is lost too is found by RACK again when later data gets
 *   through, and otherwise costs an RTO (SRTT + `rtoMs`, doubling);
 *   the RTT is twice `delayMs` plus a loopback floor. A retransmission's loss is drawn from the
 *   same seeded loss process. The receiver takes bytes in order, so a recovery holds the bytes
 *   after it (head-of-line blocking), while recoveries that overlap in time overlap, as in a real
 *   receive buffer: they do not add up;
 * - `sliceBytes` cuts pieces at every multiple of that many stream bytes;
 * - a reset (after `resetAfterBytes`, or per segment with `resetProbability`) ends the plan.
 *
 * Stalls, resets and jitter depend only on the seed and byte positions; losses on the seed and the
 * sequence of chunk sizes (the packets).
 */
export class StreamImpairer {
  private readonly config: StreamImpairment
  private readonly segmentBytes: number
  private readonly perSegment: boolean
  private readonly lossy: boolean
  private readonly active: boolean
  private readonly timing: TcpRecoveryTiming
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
  /** Planned bytes not yet returned: from the first lost segment whose arrival is unknown on. */
  private held: HeldPiece[] = []
  /** The first of {@link held} not yet returned. */
  private heldHead = 0
  /** The lost segments not yet recovered, in stream order. */
  private unrecovered: LostSegment[] = []
  /** When the last lost segment not yet re-sent was sent: the tail-loss probe is timed from it. */
  private lastLostSentMs = 0

  /** @throws InvalidArgumentError when the impairment has a value it cannot take */
  constructor(init: StreamImpairerInit) {
    validateStreamImpairment(init.impairment)
    const c = init.impairment
    this.config = c
    this.segmentBytes = c.segmentBytes ?? DEFAULT_SEGMENT_BYTES
    this.timing = tcpRecoveryTiming(c.delayMs ?? 0, c.rtoMs ?? DEFAULT_RTO_MS)
    const base = (init.stream ?? 0) * FEATURES
    this.lossRandom = createRandom(init.seed, base)
    this.stallRandom = createRandom(init.seed, base + 1)
    this.resetRandom = createRandom(init.seed, base + 2)
    this.jitterRandom = createRandom(init.seed, base + 3)
    this.lossy = (c.loss ?? 0) > 0
    this.perSegment =
      this.lossy ||
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

  /** Planned bytes held behind a loss whose recovery is not yet known. */
  get bytesHeld(): number {
    let bytes = 0
    for (let i = this.heldHead; i < this.held.length; i++) bytes += this.held[i]!.length
    return bytes
  }

  /**
   * When {@link advance} should be called next: the moment a tail-loss probe or an RTO would fire
   * if the sender sends nothing more, which settles held bytes. Undefined when nothing is held.
   */
  get nextAdvanceMs(): number | undefined {
    const next = this.nextTimeout()
    return next === undefined ? undefined : next.dueMs
  }

  /** The recovery timing the model uses (RTT, reordering window, probe timeout, RTO). */
  get recoveryTiming(): TcpRecoveryTiming {
    return this.timing
  }

  /** Plans the delivery of a chunk of `length` bytes that the relay read at `nowMs`. */
  plan(length: number, nowMs: number): StreamPlan {
    if (this.resetDone) return { pieces: [], reset: true, lostSegments: 0, stalls: 0 }
    if (!this.active) {
      const position = this.position
      this.position += length
      const atMs = Math.max(nowMs, this.lastAtMs)
      this.lastAtMs = atMs
      return {
        pieces: length > 0 ? [{ position, length, atMs }] : [],
        reset: false,
        lostSegments: 0,
        stalls: 0,
      }
    }
    const c = this.config
    const start = this.position
    const end = start + length
    const counts = { lostSegments: 0, stalls: 0 }
    let cursor = start
    while (cursor < end) {
      if (c.resetAfterBytes !== undefined && c.resetAfterBytes > 0 && cursor >= c.resetAfterBytes) {
        return this.finishWithReset(cursor, counts)
      }
      if (this.perSegment && cursor % this.segmentBytes === 0) {
        if (chance(this.resetRandom, c.resetProbability)) return this.finishWithReset(cursor, counts)
        if (chance(this.stallRandom, c.stallProbability)) {
          counts.stalls++
          this.pendingStallMs += c.stallMs ?? 0
        }
        const jitterMs = c.jitterMs ?? 0
        if (jitterMs > 0) this.segmentJitterMs = (2 * this.jitterRandom.next() - 1) * jitterMs
      }
      const stallEvery = c.stallEveryBytes ?? 0
      if (stallEvery > 0 && cursor > 0 && cursor % stallEvery === 0) {
        counts.stalls++
        this.pendingStallMs += c.stallMs ?? 0
      }
      const pieceEnd = Math.min(end, this.nextCut(cursor))
      const newSegment = this.lossy && (cursor === start || cursor % this.segmentBytes === 0)
      if (this.holdPiece(cursor, pieceEnd - cursor, nowMs, newSegment)) counts.lostSegments++
      cursor = pieceEnd
    }
    this.position = end
    return { pieces: this.release(), reset: false, ...counts }
  }

  /**
   * Lets time pass with nothing more sent: a tail-loss probe that is due by `nowMs` recovers the
   * held segments. Returns the pieces that settles (none when nothing was due).
   */
  advance(nowMs: number): StreamPlan {
    if (this.resetDone) return { pieces: [], reset: true, lostSegments: 0, stalls: 0 }
    this.fireTimeouts(nowMs)
    return { pieces: this.release(), reset: false, lostSegments: 0, stalls: 0 }
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

  /** Holds the piece at `position` until its time is known; true when it starts a lost segment. */
  private holdPiece(position: number, length: number, nowMs: number, newSegment: boolean): boolean {
    const c = this.config
    let readyMs = nowMs
    const rate = c.rateLimitBytesPerSec ?? 0
    if (rate > 0) {
      this.linkFreeAtMs = Math.max(this.linkFreeAtMs, nowMs) + (length * 1000) / rate
      readyMs = this.linkFreeAtMs
    }
    const oneWayMs = Math.max(0, (c.delayMs ?? 0) + this.segmentJitterMs)
    let lost: LostSegment | undefined
    let startsLoss = false
    if (newSegment) {
      this.fireTimeouts(readyMs)
      if (chance(this.lossRandom, c.loss)) {
        lost = {
          sentMs: readyMs,
          oneWayMs,
          lostRetransmissions: this.drawLostRetransmissions(),
          retransmitted: false,
          backoffs: 0,
          sacksAfter: 0,
          rackMs: undefined,
          arrivalMs: undefined,
        }
        this.unrecovered.push(lost)
        this.lastLostSentMs = readyMs
        startsLoss = true
      } else {
        this.recoverByRack(readyMs)
      }
    } else {
      // The rest of a segment shares its fate.
      lost = this.held.length > this.heldHead ? this.held[this.held.length - 1]!.lost : undefined
    }
    this.held.push({ position, length, arrivalMs: readyMs + oneWayMs, lost, stallMs: this.pendingStallMs })
    this.pendingStallMs = 0
    return startsLoss
  }

  /** How many times in a row the lost segment's retransmission is lost too, from the same loss process. */
  private drawLostRetransmissions(): number {
    let lost = 0
    while (lost < MAX_LOST_RETRANSMISSIONS && chance(this.lossRandom, this.config.loss)) lost++
    return lost
  }

  /**
   * A segment sent at `laterSentMs` got through: its SACK, an RTT later, lets RACK find every loss
   * sent before it, a lost retransmission too. The first SACK starts the reordering timer (no
   * window for a retransmission: Linux drops it in recovery); the third re-sends it at once, as
   * Linux does while it has seen no reordering (the duplicate-ACK threshold).
   */
  private recoverByRack(laterSentMs: number): void {
    const t = this.timing
    const sackMs = laterSentMs + t.rttMs
    for (const lost of this.unrecovered) {
      if (lost.sentMs > laterSentMs) continue
      const windowMs = lost.retransmitted ? 0 : t.reorderWindowMs
      lost.rackMs ??= rackRetransmitMs(t, lost.sentMs, laterSentMs, windowMs)
      lost.sacksAfter++
      if (lost.sacksAfter >= DUPLICATE_ACK_THRESHOLD || sackMs >= lost.rackMs) {
        this.resend(lost, Math.min(lost.rackMs, sackMs), false)
      }
    }
    this.forgetRecovered()
  }

  /** Re-sends a lost segment at `atMs`: it arrives, or (drawn when it was lost) is lost again. */
  private resend(lost: LostSegment, atMs: number, byRto: boolean): void {
    if (lost.lostRetransmissions === 0) {
      lost.arrivalMs = atMs + lost.oneWayMs
      return
    }
    lost.lostRetransmissions--
    lost.sentMs = atMs
    lost.retransmitted = true
    lost.sacksAfter = 0
    lost.rackMs = undefined
    if (byRto) lost.backoffs++
  }

  /**
   * The next timer: a reordering timer (due once a SACK sent later could no longer come before
   * it), the tail-loss probe of the segments nothing has been SACKed after, or the earliest RTO.
   */
  private nextTimeout(): { dueMs: number; of: LostSegment | undefined } | undefined {
    const t = this.timing
    let next: { dueMs: number; of: LostSegment | undefined } | undefined
    for (const lost of this.unrecovered) {
      let dueMs: number
      let of: LostSegment | undefined = lost
      if (lost.rackMs !== undefined) dueMs = lost.rackMs - t.rttMs
      else if (lost.retransmitted) dueMs = lost.sentMs + Math.min(RTO_MAX_MS, t.rtoMs * 2 ** lost.backoffs)
      else {
        dueMs = this.lastLostSentMs + t.probeTimeoutMs
        of = undefined
      }
      if (next === undefined || dueMs < next.dueMs) next = { dueMs, of }
    }
    return next
  }

  /** Fires every timer due by `nowMs`, in time order (all of them when `nowMs` is infinite). */
  private fireTimeouts(nowMs: number): void {
    for (
      let next = this.nextTimeout();
      next !== undefined && next.dueMs <= nowMs;
      next = this.nextTimeout()
    ) {
      const lost = next.of
      if (lost === undefined) this.probe(next.dueMs)
      else if (lost.rackMs !== undefined) this.resend(lost, lost.rackMs, false)
      else this.resend(lost, next.dueMs, true)
      this.forgetRecovered()
    }
  }

  /**
   * Nothing got through after the lost segments not yet re-sent, and the probe timeout ran out at
   * `dueMs`: the probe re-sends the last of them. Its SACK, an RTT later, has the others re-sent;
   * when the probe is lost too, they wait for the RTO.
   */
  private probe(dueMs: number): void {
    const waiting = this.unrecovered.filter((lost) => !lost.retransmitted && lost.rackMs === undefined)
    const tail = waiting[waiting.length - 1]!
    const probeGotThrough = tail.lostRetransmissions === 0
    this.resend(tail, dueMs, false)
    for (const lost of waiting) {
      if (lost === tail) continue
      if (probeGotThrough) {
        this.resend(lost, dueMs + this.timing.rttMs, false)
      } else {
        // Not re-sent yet: the RTO armed with the probe re-sends it.
        lost.retransmitted = true
        lost.sentMs = dueMs
      }
    }
  }

  private forgetRecovered(): void {
    this.unrecovered = this.unrecovered.filter((lost) => lost.arrivalMs === undefined)
  }

  /** Returns the held pieces whose arrival is known, in order, delivered in order (head-of-line). */
  private release(): StreamPiece[] {
    const pieces: StreamPiece[] = []
    const merge = !((this.config.sliceBytes ?? 0) > 0)
    for (; this.heldHead < this.held.length; this.heldHead++) {
      const piece = this.held[this.heldHead]!
      const arrivalMs = piece.lost === undefined ? piece.arrivalMs : piece.lost.arrivalMs
      if (arrivalMs === undefined) break
      const atMs = Math.max(arrivalMs, this.lastAtMs) + piece.stallMs
      this.lastAtMs = atMs
      const previous = pieces[pieces.length - 1]
      if (merge && previous !== undefined && previous.atMs === atMs) {
        pieces[pieces.length - 1] = {
          position: previous.position,
          length: previous.length + piece.length,
          atMs,
        }
      } else {
        pieces.push({ position: piece.position, length: piece.length, atMs })
      }
    }
    if (this.heldHead === this.held.length) {
      this.held = []
      this.heldHead = 0
    } else if (this.heldHead > 1024 && this.heldHead * 2 > this.held.length) {
      this.held = this.held.slice(this.heldHead)
      this.heldHead = 0
    }
    return pieces
  }

  private finishWithReset(cursor: number, counts: { lostSegments: number; stalls: number }): StreamPlan {
    this.position = cursor
    this.resetDone = true
    // The connection ends here: what is held goes out as the probe would have recovered it, then the reset.
    this.fireTimeouts(Number.POSITIVE_INFINITY)
    return { pieces: this.release(), reset: true, ...counts }
  }
}

function nextMultiple(position: number, step: number): number {
  return (Math.floor(position / step) + 1) * step
}

function chance(random: Random, probability: number | undefined): boolean {
  return probability !== undefined && probability > 0 && random.next() < probability
}
