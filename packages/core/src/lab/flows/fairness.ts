import { InvalidArgumentError } from '../../errors.js'

/**
 * Jain's fairness index of the flows' rates (R. Jain, D. Chiu, W. Hawe, DEC-TR-301, 1984):
 * `(Σx)² / (n · Σx²)`. It is 1 when every flow got the same, `1/n` when one flow got everything,
 * and `k/n` when `k` flows shared equally while the rest got nothing; scaling every rate by the
 * same factor leaves it unchanged. When no flow got anything it is 1: all got the same, nothing.
 *
 * @throws InvalidArgumentError for no rates, or a rate that is negative or not finite
 */
export function jainIndex(rates: readonly number[]): number {
  if (rates.length === 0) throw new InvalidArgumentError('the fairness index needs at least one flow')
  let max = 0
  for (const rate of rates) {
    if (!(rate >= 0 && Number.isFinite(rate))) {
      throw new InvalidArgumentError(`a flow's rate must be 0 or more and finite, got ${rate}`)
    }
    if (rate > max) max = rate
  }
  if (max === 0) return 1
  // Rates divided by the largest first, so squares neither overflow nor underflow.
  let scaledSum = 0
  let scaledSquares = 0
  for (const rate of rates) {
    const scaled = rate / max
    scaledSum += scaled
    scaledSquares += scaled * scaled
  }
  const index = (scaledSum * scaledSum) / (rates.length * scaledSquares)
  // Rounding can leave it a hair outside [1/n, 1]; the bounds are exact in theory.
  return Math.min(1, Math.max(1 / rates.length, index))
}

/** One flow's part of what was delivered, and of the bottleneck when its rate is known. */
export interface FlowShare {
  /** The flow's delivered bits over everything delivered, 0 to 1 (0 when nothing was). */
  readonly ofDelivered: number
  /**
   * The flow's delivered bit rate over the bottleneck's rate, 0 to about 1 (a flow measured over
   * a shorter time than the bottleneck ran can show a little above its share); null when the
   * run has no known bottleneck rate.
   */
  readonly ofBottleneck: number | null
}

/** Fairness of the flows of one run, the `fairness` of the JSON. */
export interface Fairness {
  /** {@link jainIndex} of the flows' delivered bit rates. */
  readonly jainIndex: number
  /** The bottleneck's rate in bit/s (the link's rate limit), null when the link has none. */
  readonly bottleneckBitsPerSec: number | null
  /** The flows' delivered bit rate together over the bottleneck's rate; null without a bottleneck. */
  readonly utilisation: number | null
  /** Per flow, in the order given. */
  readonly shares: readonly FlowShare[]
}

/** What {@link fairness} needs of each flow. */
export interface FlowDelivery {
  /** Payload bits delivered (first copies). */
  readonly deliveredBits: number
  /** The flow's delivered bit rate, over its own time (`deliveredBits` over its duration). */
  readonly bitsPerSec: number
}

/**
 * Fairness of flows that crossed one link: Jain's index over their delivered bit rates, each
 * flow's share of everything delivered and of the bottleneck, and how full the bottleneck was
 * (`aggregateBitsPerSec`, the flows' delivered bits over the time they ran together, against the
 * bottleneck's rate). Pure.
 *
 * @throws InvalidArgumentError for no flows, or a negative, non-finite or zero bottleneck rate
 */
export function fairness(
  flows: readonly FlowDelivery[],
  aggregateBitsPerSec: number,
  bottleneckBitsPerSec?: number,
): Fairness {
  if (
    bottleneckBitsPerSec !== undefined &&
    !(bottleneckBitsPerSec > 0 && Number.isFinite(bottleneckBitsPerSec))
  ) {
    throw new InvalidArgumentError(`the bottleneck's rate must be above 0, got ${bottleneckBitsPerSec}`)
  }
  const index = jainIndex(flows.map((flow) => flow.bitsPerSec))
  const totalBits = flows.reduce((sum, flow) => sum + flow.deliveredBits, 0)
  const bottleneck = bottleneckBitsPerSec ?? null
  return {
    jainIndex: index,
    bottleneckBitsPerSec: bottleneck,
    utilisation: bottleneck === null ? null : aggregateBitsPerSec / bottleneck,
    shares: flows.map((flow) => ({
      ofDelivered: totalBits === 0 ? 0 : flow.deliveredBits / totalBits,
      ofBottleneck: bottleneck === null ? null : flow.bitsPerSec / bottleneck,
    })),
  }
}
