/** The smallest RTO with `nodelay` on, in ms (ikcp's IKCP_RTO_NDL). */
export const RTO_NODELAY_MIN_MS = 30
/** The smallest RTO in normal mode, in ms (IKCP_RTO_MIN). */
export const RTO_MIN_MS = 100
/** The RTO before the first sample, in ms (IKCP_RTO_DEF). */
export const RTO_INITIAL_MS = 200
/** The largest RTO, in ms (IKCP_RTO_MAX). */
export const RTO_MAX_MS = 60_000

/**
 * The retransmission timeout as ikcp computes it: RFC 6298's smoothed RTT and variance, with the
 * variance term floored at the update interval, and kcp-go's smaller weight for samples below
 * the expected range (so one quick ACK does not shrink the variance).
 */
export class RtoEstimator {
  private srtt = 0
  private rttvar = 0
  private current = RTO_INITIAL_MS

  constructor(
    private readonly minRtoMs: number,
    private readonly intervalMs: number,
  ) {}

  /** The timeout a new transmission waits for, in ms. */
  get rtoMs(): number {
    return this.current
  }

  /** The smoothed round-trip time in ms (0 before the first sample). */
  get srttMs(): number {
    return this.srtt
  }

  /** The round-trip variance in ms. */
  get rttvarMs(): number {
    return this.rttvar
  }

  /** Takes one round-trip sample in whole ms. */
  sample(rtt: number): void {
    if (this.srtt === 0) {
      this.srtt = rtt
      this.rttvar = rtt >> 1
    } else {
      let delta = rtt - this.srtt
      this.srtt += delta >> 3
      if (delta < 0) delta = -delta
      // A sample below the bottom of the expected range moves the variance 8 times less.
      if (rtt < this.srtt - this.rttvar) this.rttvar += (delta - this.rttvar) >> 5
      else this.rttvar += (delta - this.rttvar) >> 2
    }
    const rto = this.srtt + Math.max(this.intervalMs, this.rttvar << 2)
    this.current = Math.min(Math.max(this.minRtoMs, rto), RTO_MAX_MS)
  }
}
