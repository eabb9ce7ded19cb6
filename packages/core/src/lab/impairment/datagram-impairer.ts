import { createRandom, type Random } from '../random.js'
import {
  type DatagramImpairment,
  DEFAULT_QUEUE_LIMIT_MS,
  DEFAULT_REORDER_GAP,
  validateDatagramImpairment,
} from './config.js'
import { createLossDecider, type LossDecider } from './loss.js'

/** What to do with one datagram. */
export interface DatagramDecision {
  /** Why it is dropped (`loss`, or `queue` when the rate limit's queue is full), or undefined when it goes on. */
  readonly drop: 'loss' | 'queue' | undefined
  /** Copies to send: 0 when dropped, 2 when duplicated, else 1. */
  readonly copies: number
  /** How long to wait before sending, in ms (rate-limit queueing + delay + jitter), at least 0. */
  readonly delayMs: number
  /** 0, or the number of later datagrams that must pass before this one is released (reordering). */
  readonly holdForPackets: number
  /** Index of the byte to flip, or -1 for none. */
  readonly corruptAt: number
  /** The bits to flip (XOR) at `corruptAt`: 1-255, never 0. */
  readonly corruptMask: number
}

/** Construction options of a {@link DatagramImpairer}. */
export interface DatagramImpairerInit {
  readonly impairment: DatagramImpairment
  /** The run's seed. */
  readonly seed: number
  /** Selects independent decisions for separate users of one seed (each direction, each client). Default 0. */
  readonly stream?: number
}

/** Bytes at the start of a datagram that corruption leaves alone: the lab envelope's magic, so the CRC sees the damage. */
const CORRUPT_SKIP_BYTES = 4
/** Random streams per impairer: one for each feature. */
const FEATURES = 6

const PASS: DatagramDecision = Object.freeze({
  drop: undefined,
  copies: 1,
  delayMs: 0,
  holdForPackets: 0,
  corruptAt: -1,
  corruptMask: 0,
})

/**
 * The seeded datagram impairment model: pure decisions, no sockets and no timers. Deterministic
 * given the seed, the stream, and the sequence of (length, time) it is asked about; the time only
 * matters to the rate limit. Definitions of each impairment are on {@link DatagramImpairment}.
 */
export class DatagramImpairer {
  private readonly config: DatagramImpairment
  private readonly lossDecider: LossDecider
  private readonly duplicateRandom: Random
  private readonly reorderRandom: Random
  private readonly jitterRandom: Random
  private readonly corruptRandom: Random
  private readonly active: boolean
  /** Token bucket as GCRA: the theoretical arrival time of the next byte at the configured rate. */
  private theoreticalArrivalMs = Number.NEGATIVE_INFINITY
  /** With `queuePackets`: departure times of the datagrams accepted, oldest first (non-decreasing). */
  private readonly departures: number[] = []
  private departuresHead = 0

  /** @throws InvalidArgumentError when the impairment has a value it cannot take */
  constructor(init: DatagramImpairerInit) {
    validateDatagramImpairment(init.impairment)
    this.config = init.impairment
    const base = (init.stream ?? 0) * FEATURES
    const random = (feature: number): Random => createRandom(init.seed, base + feature)
    const c = this.config
    this.lossDecider = createLossDecider(c.loss ?? 0, c.lossModel, c.lossBurst, random(0))
    this.duplicateRandom = random(1)
    this.reorderRandom = random(2)
    this.jitterRandom = random(3)
    this.corruptRandom = random(4)
    this.active =
      (c.loss ?? 0) > 0 ||
      (c.duplicate ?? 0) > 0 ||
      (c.reorder ?? 0) > 0 ||
      (c.delayMs ?? 0) > 0 ||
      (c.jitterMs ?? 0) > 0 ||
      (c.rateLimitBytesPerSec ?? 0) > 0 ||
      (c.corrupt ?? 0) > 0
  }

  /** Decides the fate of a datagram of `length` bytes that reached the relay at `nowMs`. */
  decide(length: number, nowMs: number): DatagramDecision {
    if (!this.active) return PASS
    const c = this.config
    if ((c.loss ?? 0) > 0 && this.lossDecider.lost()) return dropped('loss')
    let delayMs = 0
    const rate = c.rateLimitBytesPerSec ?? 0
    if (rate > 0) {
      const departure = this.departure(length, nowMs, rate)
      if (departure === undefined) return dropped('queue')
      delayMs = departure - nowMs
    }
    delayMs += this.delay()
    const copies = chance(this.duplicateRandom, c.duplicate) ? 2 : 1
    const holdForPackets = chance(this.reorderRandom, c.reorder) ? (c.reorderGap ?? DEFAULT_REORDER_GAP) : 0
    let corruptAt = -1
    let corruptMask = 0
    if (length > 0 && chance(this.corruptRandom, c.corrupt)) {
      const skip = length > CORRUPT_SKIP_BYTES ? CORRUPT_SKIP_BYTES : 0
      corruptAt = skip + Math.floor(this.corruptRandom.next() * (length - skip))
      corruptMask = 1 + Math.floor(this.corruptRandom.next() * 255)
    }
    return { drop: undefined, copies, delayMs, holdForPackets, corruptAt, corruptMask }
  }

  /**
   * Token bucket of depth `rateBurstBytes` (GCRA form): a datagram may leave once the bucket holds
   * its bytes, so datagrams leave paced at the rate after the first `rateBurstBytes`. Returns the
   * departure time, or undefined when it would wait longer than `queueLimitMs`, or find
   * `queuePackets` datagrams already waiting (dropped, and it takes no tokens).
   */
  private departure(length: number, nowMs: number, rate: number): number | undefined {
    const c = this.config
    const toleranceMs = ((c.rateBurstBytes ?? 0) * 1000) / rate
    const start = Math.max(this.theoreticalArrivalMs, nowMs)
    const departure = Math.max(nowMs, start - toleranceMs)
    if (departure - nowMs > (c.queueLimitMs ?? DEFAULT_QUEUE_LIMIT_MS)) return undefined
    if (c.queuePackets !== undefined && departure > nowMs) {
      if (this.waiting(nowMs) >= c.queuePackets) return undefined
      this.departures.push(departure)
    }
    this.theoreticalArrivalMs = start + (length * 1000) / rate
    return departure
  }

  /** Datagrams still waiting for the link at `nowMs`: those whose departure is later. */
  private waiting(nowMs: number): number {
    const departures = this.departures
    while (this.departuresHead < departures.length && departures[this.departuresHead]! <= nowMs) {
      this.departuresHead++
    }
    // Compact now and then, so the array stays as long as the queue, not the run.
    if (this.departuresHead > 1024 && this.departuresHead * 2 > departures.length) {
      departures.splice(0, this.departuresHead)
      this.departuresHead = 0
    }
    return departures.length - this.departuresHead
  }

  /** Delay plus jitter, uniform in [delay − jitter, delay + jitter] and cut at 0. */
  private delay(): number {
    const delayMs = this.config.delayMs ?? 0
    const jitterMs = this.config.jitterMs ?? 0
    if (jitterMs === 0) return delayMs
    return Math.max(0, delayMs + (2 * this.jitterRandom.next() - 1) * jitterMs)
  }
}

function chance(random: Random, probability: number | undefined): boolean {
  return probability !== undefined && probability > 0 && random.next() < probability
}

function dropped(reason: 'loss' | 'queue'): DatagramDecision {
  return { drop: reason, copies: 0, delayMs: 0, holdForPackets: 0, corruptAt: -1, corruptMask: 0 }
}
