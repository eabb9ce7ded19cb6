import { InvalidArgumentError } from '../../errors.js'
import type { Random } from '../random.js'
import { DEFAULT_LOSS_BURST, type LossModel } from './config.js'

/** Decides, datagram after datagram, which are lost. */
export interface LossDecider {
  /** True when the next datagram is lost. */
  lost(): boolean
}

/** Independent loss: each datagram is lost with probability `p` (a Bernoulli process). */
export class RandomLoss implements LossDecider {
  constructor(
    private readonly p: number,
    private readonly random: Random,
  ) {}

  lost(): boolean {
    return this.p > 0 && this.random.next() < this.p
  }
}

/**
 * Bursty loss, the simple Gilbert model (the Gilbert–Elliott model with every datagram lost in the
 * Bad state and none in the Good state; netem's `loss gemodel p r 100 0`). A two-state Markov
 * chain moves before each datagram: Good → Bad with probability `p`, Bad → Good with probability
 * `r`. Bursts of loss are geometric with mean length `1 / r`, and the long-run loss is `p / (p + r)`.
 *
 * Given the average `loss` and the mean burst length `burst`: `r = 1 / burst` and
 * `p = loss · r / (1 − loss)`. This needs `p ≤ 1`, i.e. `loss ≤ burst / (burst + 1)`.
 */
export class GilbertLoss implements LossDecider {
  /** Probability of moving Good → Bad before a datagram. */
  readonly p: number
  /** Probability of moving Bad → Good before a datagram. */
  readonly r: number
  private bad = false

  /** @throws InvalidArgumentError when `loss` is too high for bursts of mean length `burst` */
  constructor(
    loss: number,
    burst: number,
    private readonly random: Random,
  ) {
    this.r = 1 / burst
    this.p = loss >= 1 ? 1 : (loss * this.r) / (1 - loss)
    if (loss >= 1) this.r = 0
    else if (this.p > 1) {
      throw new InvalidArgumentError(
        `gilbert loss ${loss} cannot have bursts of mean length ${burst}: use at most ${(burst / (burst + 1)).toFixed(3)} or longer bursts`,
      )
    }
  }

  lost(): boolean {
    const roll = this.random.next()
    this.bad = this.bad ? roll >= this.r : roll < this.p
    return this.bad
  }
}

/** The loss decider for a configuration (`lossModel` defaults to `random`, `lossBurst` to 4). */
export function createLossDecider(
  loss: number,
  model: LossModel | undefined,
  burst: number | undefined,
  random: Random,
): LossDecider {
  return model === 'gilbert'
    ? new GilbertLoss(loss, burst ?? DEFAULT_LOSS_BURST, random)
    : new RandomLoss(loss, random)
}
