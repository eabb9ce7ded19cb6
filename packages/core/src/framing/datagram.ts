import { getFraming } from './registry.js'
import type { FramingName } from './types.js'

/**
 * UDP keeps message boundaries, so a datagram is one message as it is (`raw`, the default). With
 * `-f line` or `-f length` the framing still applies inside each datagram, so protolab talks to
 * a UDP peer that expects lines (`nc -u`) or length prefixes: each message is sent framed in its
 * own datagram, and each datagram received is cut into the frames it holds.
 */
export function frameDatagram(framing: FramingName, payload: Uint8Array): Uint8Array {
  return framing === 'raw' ? payload : getFraming(framing).encode(payload)
}

/**
 * The messages in one datagram: the datagram itself for `raw`, else its frames (an unterminated
 * last line counts as a line).
 * @throws InvalidFrameError or FrameTooLargeError when the datagram does not hold whole frames.
 */
export function unframeDatagram(
  framing: FramingName,
  datagram: Uint8Array,
  maxFrameBytes: number,
): Uint8Array[] {
  if (framing === 'raw') return [datagram]
  const frames: Uint8Array[] = []
  const decoder = getFraming(framing).createDecoder({ maxFrameBytes })
  const onFrame = (frame: Uint8Array): void => {
    frames.push(frame)
  }
  decoder.push(datagram, onFrame)
  decoder.end(onFrame)
  return frames
}
