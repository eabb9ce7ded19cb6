/**
 * Latency statistics in milliseconds (sockperf's set). `min`, `max`, `mean` and `stddev` are exact
 * (to the µs); the percentiles come from an HDR histogram kept in microseconds with 3 significant
 * digits (within 0.1% or 1 µs, whichever is larger), clamped into `[min, max]`, so
 * `min ≤ p25 ≤ p50 ≤ … ≤ p9999 ≤ max` always holds.
 */
export interface LatencyPercentilesMs {
  /** The smallest latency measured, exact. */
  readonly min: number
  /** The arithmetic mean, exact. */
  readonly mean: number
  /** The population standard deviation, exact. */
  readonly stddev: number
  readonly p25: number
  readonly p50: number
  readonly p75: number
  readonly p90: number
  readonly p99: number
  readonly p999: number
  /** The 99.99th percentile. */
  readonly p9999: number
  /** The largest latency measured, exact (not rounded to a histogram bucket). */
  readonly max: number
}

/**
 * The numbers of one lab run, with the JSON field names of the `--json` report. Definitions follow
 * the RFCs so results compare with other tools:
 *
 * - `sent`: messages the sender sent; `delivered`: distinct sequence numbers received intact;
 *   `lost`: `sent - delivered` (never negative). A duplicate is never counted as a delivery or a loss.
 * - `duplicates`: copies received beyond the first of a sequence number.
 * - `reordered`: first copies that arrived with a sequence number lower than one already received
 *   (RFC 4737 §3, duplicates left out). `maxReorderExtent`: the largest RFC 4737 §4.2 extent: for a
 *   reordered message arriving as the j-th first copy, `j - i` where `i` is the arrival position of
 *   the earliest message with a higher sequence number.
 * - `corrupted`: messages with the lab's magic but a bad CRC or length; `foreign`: anything else
 *   that is not this session's (another magic, version or session, or a sequence number beyond the
 *   receiver's limit). Neither is part of any other count.
 * - `latencyMs`: one-way (send time to arrival, one monotonic clock on one host) or round trip when
 *   the receiver echoes; 0 everywhere when nothing was delivered.
 * - `jitterMs`: RFC 3550 §6.4.1 interarrival jitter over first copies in arrival order:
 *   `J += (|D| - J) / 16`, D the difference of consecutive transit times.
 * - `messagesPerSec`, `bytesPerSec`, `bitsPerSec`: delivered messages and their payload bytes over `durationMs`,
 *   the time from the earliest send time received to the last delivery.
 * - `stalls`: gaps between consecutive deliveries longer than
 *   `max(10 × the median gap, the stall floor)` (floor 50 ms by default).
 */
export interface LabMetrics {
  readonly sent: number
  readonly delivered: number
  readonly lost: number
  readonly duplicates: number
  readonly reordered: number
  readonly maxReorderExtent: number
  readonly corrupted: number
  readonly foreign: number
  readonly latencyMs: LatencyPercentilesMs
  readonly jitterMs: number
  readonly messagesPerSec: number
  readonly bytesPerSec: number
  /** `bytesPerSec × 8`: delivered payload in bit/s (goodput), the unit network people read. */
  readonly bitsPerSec: number
  readonly durationMs: number
  readonly stalls: number
}
