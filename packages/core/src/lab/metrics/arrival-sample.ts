import { InvalidArgumentError } from '../../errors.js'

/** Points of the sequence-number vs arrival-time plot, as parallel plain arrays (JSON-safe). */
export interface ArrivalSample {
  /** Sequence number of each point. */
  readonly seq: number[]
  /** Arrival time of each point, ms after the run's time origin. */
  readonly arrivalMs: number[]
  /** 1 when the point is a duplicate copy, else 0. */
  readonly duplicate: number[]
  /** Every `stride`-th arrival is a point (1 = every arrival kept). */
  readonly stride: number
}

/**
 * Keeps at most `capacity` arrivals for the plot by stride decimation: it keeps every `stride`-th
 * arrival (counting intact copies, duplicates included), starting with stride 1; when full it drops
 * every other point and doubles the stride. The result is evenly spaced in arrival order, the
 * same for the same arrivals (no randomness), and holds between capacity/2 and capacity points once
 * more than `capacity` arrived. Rare events between kept points are not guaranteed to show: the
 * per-message records hold every sequence number.
 */
export class ArrivalSampler {
  private readonly seqs: Float64Array
  private readonly times: Float64Array
  private readonly duplicates: Uint8Array
  private length = 0
  private stride = 1
  private seen = 0

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 2) {
      throw new InvalidArgumentError(`arrival sample size must be an integer of at least 2, got ${capacity}`)
    }
    this.seqs = new Float64Array(capacity)
    this.times = new Float64Array(capacity)
    this.duplicates = new Uint8Array(capacity)
  }

  /** Offers one arrival. */
  add(seq: number, arrivalMs: number, duplicate: boolean): void {
    const index = this.seen++
    if (index % this.stride !== 0) return
    if (this.length === this.capacity) {
      this.halve()
      if (index % this.stride !== 0) return
    }
    this.seqs[this.length] = seq
    this.times[this.length] = arrivalMs
    this.duplicates[this.length] = duplicate ? 1 : 0
    this.length++
  }

  /** The points kept so far. */
  sample(): ArrivalSample {
    return {
      seq: Array.from(this.seqs.subarray(0, this.length)),
      arrivalMs: Array.from(this.times.subarray(0, this.length)),
      duplicate: Array.from(this.duplicates.subarray(0, this.length)),
      stride: this.stride,
    }
  }

  private halve(): void {
    let kept = 0
    for (let i = 0; i < this.length; i += 2) {
      this.seqs[kept] = this.seqs[i]!
      this.times[kept] = this.times[i]!
      this.duplicates[kept] = this.duplicates[i]!
      kept++
    }
    this.length = kept
    this.stride *= 2
  }
}
