import { InvalidArgumentError } from '../../errors.js'

/** How datagram loss is drawn. */
export type LossModel = 'random' | 'gilbert'

/**
 * Impairments a relay applies to datagrams (UDP), each off when absent or 0. Probabilities are 0-1.
 *
 * Per datagram, in this order: loss; the rate limit (a token bucket that sets the departure time,
 * dropping what would queue longer than `queueLimitMs`); delay and jitter; duplication; reordering;
 * corruption. Each feature draws from its own seeded stream, so changing one (say `duplicate`)
 * never changes which datagrams another (say `loss`) picks.
 */
export interface DatagramImpairment {
  /** Probability that a datagram is lost (the long-run average under `gilbert`). */
  readonly loss?: number
  /** `random` (default): each datagram lost independently. `gilbert`: losses in bursts, see {@link GilbertLoss}. */
  readonly lossModel?: LossModel
  /** `gilbert` only: the mean length of a burst of losses, in datagrams (at least 1). Default 4. */
  readonly lossBurst?: number
  /** Probability that a datagram is sent twice (both copies at the same time). */
  readonly duplicate?: number
  /** Probability that a datagram is held back until `reorderGap` later datagrams have passed it. */
  readonly reorder?: number
  /** Datagrams that pass a held one. Default 3. */
  readonly reorderGap?: number
  /** A held datagram goes anyway after this many ms (so the last ones of a run are not stuck). Default 100. */
  readonly reorderMaxHoldMs?: number
  /** Added delay in ms. */
  readonly delayMs?: number
  /**
   * Delay variation in ms: each datagram's delay is uniform in [delay − jitter, delay + jitter],
   * cut at 0. Datagrams are delayed independently, so jitter larger than the spacing of datagrams
   * reorders them, as on a real network and in netem.
   */
  readonly jitterMs?: number
  /** Link rate in bytes per second. */
  readonly rateLimitBytesPerSec?: number
  /** Bytes that may pass at once above the rate (the token bucket's depth). Default 0: strict pacing. */
  readonly rateBurstBytes?: number
  /** With a rate limit, a datagram that would wait longer than this (ms) for the link is dropped (tail drop). Default 1000. */
  readonly queueLimitMs?: number
  /**
   * With a rate limit, the queue in front of the link holds at most this many datagrams waiting
   * for it (drop-tail, as a router's or netem's `limit`): one that finds it full is dropped. Absent:
   * only `queueLimitMs` bounds the queue.
   */
  readonly queuePackets?: number
  /** Probability that one byte of a datagram is flipped (after the first 4 bytes, the lab envelope's magic). */
  readonly corrupt?: number
}

/**
 * Impairments a relay applies to a TCP byte stream, each off when absent or 0. Bytes are never
 * lost, duplicated or reordered (TCP would not let them be); the stream is only slowed, cut into
 * pieces, stalled or reset, and modelled loss holds bytes back as TCP's recovery would. Stalls,
 * resets and jitter are decided per segment of `segmentBytes` bytes of the stream, by position, so
 * they repeat whatever chunks the operating system happens to deliver; modelled loss is decided
 * per packet (the chunks read), so it repeats on the same sequence of chunks.
 */
export interface StreamImpairment {
  /** Added delay in ms. */
  readonly delayMs?: number
  /** Delay variation in ms, uniform in [delay − jitter, delay + jitter], drawn per segment; order is kept. */
  readonly jitterMs?: number
  /** Link rate in bytes per second: pieces leave paced at this rate. */
  readonly rateLimitBytesPerSec?: number
  /** Deliver in writes of at most this many bytes (1 = byte by byte), so framing meets every split. */
  readonly sliceBytes?: number
  /** How long a stall holds the stream, in ms. Needed by `stallEveryBytes` and `stallProbability`. */
  readonly stallMs?: number
  /** Stall before every this many bytes. */
  readonly stallEveryBytes?: number
  /** Probability that the stream stalls before a segment. */
  readonly stallProbability?: number
  /** Reset the connection (RST) once this many bytes have been forwarded in a direction. */
  readonly resetAfterBytes?: number
  /** Probability that the connection is reset before a segment. */
  readonly resetProbability?: number
  /**
   * Modelled loss: probability that a segment is lost. TCP retransmits below any relay, so a lost
   * segment becomes what Linux TCP makes of it: a head-of-line hold of it and the bytes after it
   * until it is recovered, about an RTT plus a reordering window later (RACK) when later segments
   * get through, 2 × SRTT later (a tail-loss probe) when none does; a lost retransmission is
   * found the same way, or costs an RTO when nothing sent after it gets through. The RTT is twice `delayMs` plus a loopback floor.
   * Reports must say this loss is modelled.
   */
  readonly loss?: number
  /**
   * The minimum retransmission timeout of modelled loss, in ms (Linux's `rto_min`). Default 200.
   * The RTO is SRTT plus this, doubling for each further loss of the same segment; it is spent
   * only when a retransmission (or a tail-loss probe) is lost too and nothing sent after it gets
   * through.
   */
  readonly rtoMs?: number
  /**
   * The segment size, in bytes. Default 1460 (the MSS of a 1500-byte Ethernet MTU). Stalls,
   * resets and jitter are decided per `segmentBytes` of stream; modelled loss per packet: each
   * chunk the relay reads, cut at every multiple of `segmentBytes`.
   */
  readonly segmentBytes?: number
}

/** The note a report prints when a TCP run had `loss`: the loss was modelled, not measured. */
export const MODELLED_LOSS_NOTE =
  "TCP loss is modelled: TCP retransmits below the relay, so each lost segment is held back, with the bytes after it, as long as Linux's recovery would take (about an RTT plus a reordering window by RACK, a tail-loss probe after 2 x SRTT, an RTO only when a lost retransmission has nothing after it)"

export const DEFAULT_LOSS_BURST = 4
export const DEFAULT_REORDER_GAP = 3
export const DEFAULT_REORDER_MAX_HOLD_MS = 100
export const DEFAULT_QUEUE_LIMIT_MS = 1000
export const DEFAULT_RTO_MS = 200
export const DEFAULT_SEGMENT_BYTES = 1460

/**
 * Checks every field of a datagram impairment.
 *
 * @throws InvalidArgumentError naming the first field with a value it cannot take
 */
export function validateDatagramImpairment(config: DatagramImpairment): void {
  for (const key of ['loss', 'duplicate', 'reorder', 'corrupt'] as const) checkProbability(key, config[key])
  for (const key of ['delayMs', 'jitterMs', 'rateLimitBytesPerSec', 'rateBurstBytes'] as const) {
    checkNonNegative(key, config[key])
  }
  for (const key of ['queueLimitMs', 'reorderMaxHoldMs'] as const) checkPositive(key, config[key])
  checkInteger('reorderGap', config.reorderGap, 1)
  checkInteger('queuePackets', config.queuePackets, 1)
  if (config.lossModel !== undefined && config.lossModel !== 'random' && config.lossModel !== 'gilbert') {
    throw new InvalidArgumentError(`lossModel must be random or gilbert, got ${String(config.lossModel)}`)
  }
  if (config.lossBurst !== undefined && !(config.lossBurst >= 1 && Number.isFinite(config.lossBurst))) {
    throw new InvalidArgumentError(
      `lossBurst must be a number of datagrams of at least 1, got ${String(config.lossBurst)}`,
    )
  }
}

/**
 * Checks every field of a stream impairment.
 *
 * @throws InvalidArgumentError naming the first field with a value it cannot take
 */
export function validateStreamImpairment(config: StreamImpairment): void {
  for (const key of ['stallProbability', 'resetProbability', 'loss'] as const)
    checkProbability(key, config[key])
  for (const key of ['delayMs', 'jitterMs', 'stallMs', 'rateLimitBytesPerSec'] as const) {
    checkNonNegative(key, config[key])
  }
  checkPositive('rtoMs', config.rtoMs)
  for (const key of ['sliceBytes', 'stallEveryBytes', 'resetAfterBytes'] as const)
    checkInteger(key, config[key], 0)
  checkInteger('segmentBytes', config.segmentBytes, 1)
  const stalls = (config.stallEveryBytes ?? 0) > 0 || (config.stallProbability ?? 0) > 0
  if (stalls && !((config.stallMs ?? 0) > 0)) {
    throw new InvalidArgumentError('a stall (stallEveryBytes or stallProbability) needs stallMs above 0')
  }
}

function checkProbability(name: string, value: number | undefined): void {
  if (value !== undefined && !(value >= 0 && value <= 1)) {
    throw new InvalidArgumentError(`${name} must be a probability from 0 to 1, got ${String(value)}`)
  }
}

function checkNonNegative(name: string, value: number | undefined): void {
  if (value !== undefined && !(value >= 0 && Number.isFinite(value))) {
    throw new InvalidArgumentError(`${name} must be a finite number of at least 0, got ${String(value)}`)
  }
}

function checkPositive(name: string, value: number | undefined): void {
  if (value !== undefined && !(value > 0 && Number.isFinite(value))) {
    throw new InvalidArgumentError(`${name} must be a finite number above 0, got ${String(value)}`)
  }
}

function checkInteger(name: string, value: number | undefined, minimum: number): void {
  if (value !== undefined && !(Number.isSafeInteger(value) && value >= minimum)) {
    throw new InvalidArgumentError(`${name} must be an integer of at least ${minimum}, got ${String(value)}`)
  }
}
