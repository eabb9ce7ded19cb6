import { type Framing, lengthFraming, rawFraming } from '@protolab/core'

const LENGTH_PREFIX_BYTES = 4
const MAX_LENGTH_PREFIX = 0xffff_ffff

/**
 * The bytes that carry `payload` on the stream as parts that include `payload` itself, uncopied, for
 * the built-in framings that only add bytes around it (`length`: a 4-byte big-endian length before
 * it; `raw`: nothing). `undefined` for any other framing, which must go through `encode`.
 *
 * Copying a 64 KiB frame costs as much as the kernel's own copy of it; skipping it is what lets
 * large messages run at the speed of the raw socket.
 */
export function framePartsWithoutCopy(framing: Framing, payload: Uint8Array): Uint8Array[] | undefined {
  if (framing === rawFraming) return [payload]
  if (framing === lengthFraming && payload.byteLength <= MAX_LENGTH_PREFIX) {
    const prefix = Buffer.allocUnsafe(LENGTH_PREFIX_BYTES)
    prefix.writeUInt32BE(payload.byteLength, 0)
    return [prefix, payload]
  }
  return undefined
}
