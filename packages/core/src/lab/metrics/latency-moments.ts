/**
 * Exact count, min, max, mean and standard deviation of latencies, kept beside the histogram: the
 * histogram's buckets are 0.1% wide, so its own min, max and mean are only as exact as a bucket.
 * Welford's update keeps the variance stable over millions of samples.
 */
export class LatencyMoments {
  private n = 0
  private minNs = Number.POSITIVE_INFINITY
  private maxNs = 0
  private meanNs = 0
  private m2 = 0

  /** Accounts one latency in ns; a negative one (clock skew) counts as 0, as in the histogram. */
  add(latencyNs: number): void {
    const x = Math.max(latencyNs, 0)
    this.n++
    if (x < this.minNs) this.minNs = x
    if (x > this.maxNs) this.maxNs = x
    const delta = x - this.meanNs
    this.meanNs += delta / this.n
    this.m2 += delta * (x - this.meanNs)
  }

  /** Latencies accounted. */
  get count(): number {
    return this.n
  }

  /** The moments in ms; all 0 when nothing was accounted. */
  ms(): LatencyMomentsMs {
    if (this.n === 0) return { minMs: 0, maxMs: 0, meanMs: 0, stddevMs: 0 }
    return {
      minMs: this.minNs / 1e6,
      maxMs: this.maxNs / 1e6,
      meanMs: this.meanNs / 1e6,
      // Population standard deviation, as sockperf and HdrHistogram give it.
      stddevMs: Math.sqrt(this.m2 / this.n) / 1e6,
    }
  }
}

/** Exact latency moments in ms (see {@link LatencyMoments}). */
export interface LatencyMomentsMs {
  readonly minMs: number
  readonly maxMs: number
  readonly meanMs: number
  readonly stddevMs: number
}
