/** ssthresh never falls below this many segments (IKCP_THRESH_MIN). */
export const SSTHRESH_MIN = 2
/** ssthresh before the first loss (IKCP_THRESH_INIT). */
export const SSTHRESH_INITIAL = 2

/**
 * KCP's congestion window in segments, as ikcp keeps it: slow start and congestion avoidance on
 * ACKs (counted in bytes through `incr`), rate halving on a fast resend (RFC 6937) and a reset to
 * one segment on a timeout (RFC 5681). With `nc` (no congestion control) it is never consulted.
 */
export class CongestionWindow {
  private cwndSegments = 0
  private ssthresh = SSTHRESH_INITIAL
  private incr = 0

  constructor(private readonly mss: number) {}

  /** The window in segments. */
  get segments(): number {
    return this.cwndSegments
  }

  /** The send window una moved forward: grow, but never past what the peer can take. */
  onAdvance(remoteWindow: number): void {
    if (this.cwndSegments >= remoteWindow) return
    const mss = this.mss
    if (this.cwndSegments < this.ssthresh) {
      this.cwndSegments++
      this.incr += mss
    } else {
      if (this.incr < mss) this.incr = mss
      this.incr += Math.floor((mss * mss) / this.incr) + Math.floor(mss / 16)
      if ((this.cwndSegments + 1) * mss <= this.incr) this.cwndSegments = Math.ceil(this.incr / mss)
    }
    if (this.cwndSegments > remoteWindow) {
      this.cwndSegments = remoteWindow
      this.incr = remoteWindow * mss
    }
  }

  /** After a flush that resent segments: fast resends halve, timeouts restart from one segment. */
  onFlush(
    fastResent: boolean,
    timedOut: boolean,
    inFlight: number,
    usedWindow: number,
    resend: number,
  ): void {
    if (fastResent) {
      this.ssthresh = Math.max(SSTHRESH_MIN, inFlight >>> 1)
      this.cwndSegments = this.ssthresh + resend
      this.incr = this.cwndSegments * this.mss
    }
    if (timedOut) {
      this.ssthresh = Math.max(SSTHRESH_MIN, usedWindow >>> 1)
      this.cwndSegments = 1
      this.incr = this.mss
    }
    if (this.cwndSegments < 1) {
      this.cwndSegments = 1
      this.incr = this.mss
    }
  }
}
