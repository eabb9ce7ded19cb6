import { createRequire } from 'node:module'
import type { Histogram } from 'hdr-histogram-js'

type HdrHistogram = typeof import('hdr-histogram-js')

let hdrHistogram: HdrHistogram | undefined

/**
 * hdr-histogram-js, loaded on first use: loading it compiles its WebAssembly build (45-75 ms here),
 * which a program that only sends and receives through @protolab/udp or @protolab/tcp never needs.
 */
function hdr(): HdrHistogram {
  hdrHistogram ??= createRequire(import.meta.url)('hdr-histogram-js') as HdrHistogram
  return hdrHistogram
}

/** One hour in microseconds: the top of the tracked range (the histogram grows past it rather than fail). */
const HIGHEST_TRACKABLE_US = 3_600_000_000

/** An HDR histogram of microseconds with 3 significant digits, the lab's latency and gap resolution. */
export function createMicrosecondHistogram(): Histogram {
  return hdr().build({
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
  return hdr().encodeIntoCompressedBase64(histogram)
}

/** The histogram back from {@link encodeHistogram}. */
export function decodeHistogram(encoded: string): Histogram {
  return hdr().decodeFromCompressedBase64(encoded)
}
