import {
  build,
  decodeFromCompressedBase64,
  encodeIntoCompressedBase64,
  type Histogram,
} from 'hdr-histogram-js'

/** One hour in microseconds: the top of the tracked range (the histogram grows past it rather than fail). */
const HIGHEST_TRACKABLE_US = 3_600_000_000

/** An HDR histogram of microseconds with 3 significant digits, the lab's latency and gap resolution. */
export function createMicrosecondHistogram(): Histogram {
  return build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: HIGHEST_TRACKABLE_US,
    numberOfSignificantValueDigits: 3,
    autoResize: true,
  })
}

/** Records a duration given in nanoseconds, rounded to whole microseconds; a negative one counts as 0. */
export function recordNanoseconds(histogram: Histogram, ns: number): void {
  histogram.recordValue(ns > 0 ? Math.round(ns / 1000) : 0)
}

/** The histogram as a compact string (HdrHistogram's compressed base64 format), for JSON or IPC. */
export function encodeHistogram(histogram: Histogram): string {
  return encodeIntoCompressedBase64(histogram)
}

/** The histogram back from {@link encodeHistogram}. */
export function decodeHistogram(encoded: string): Histogram {
  return decodeFromCompressedBase64(encoded)
}
