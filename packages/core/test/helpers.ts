import fc from 'fast-check'
import type { FrameDecoder } from '../src/index.js'

/** Bytes from hex, spaces allowed for readability: `bytesOf('0000 0003')`. */
export const bytesOf = (hex: string): Uint8Array => new Uint8Array(Buffer.from(hex.replace(/ /g, ''), 'hex'))

/** Bytes as lowercase hex, for readable comparisons. */
export const hexOf = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')

/** Cut positions from 0 to `max`, at most `maxLength` of them; {@link splitAt} clamps and sorts them. */
export function cutPositions(max: number, maxLength: number): fc.Arbitrary<number[]> {
  return fc.array(fc.nat({ max }), { maxLength })
}

/** `bytes` cut at `positions` (out-of-range cuts are clamped, duplicates give empty chunks). */
export function splitAt(bytes: Uint8Array, positions: readonly number[]): Uint8Array[] {
  const sorted = positions.map((p) => Math.min(p, bytes.length)).sort((a, b) => a - b)
  const pieces: Uint8Array[] = []
  let start = 0
  for (const cut of sorted) {
    pieces.push(bytes.subarray(start, cut))
    start = cut
  }
  pieces.push(bytes.subarray(start))
  return pieces
}

/** Pushes each chunk, ends the stream, and returns every frame, shown by `show`, in order. */
export function decodeChunks(
  decoder: FrameDecoder,
  chunks: readonly Uint8Array[],
  show: (frame: Uint8Array) => string,
): string[] {
  const frames: string[] = []
  const onFrame = (frame: Uint8Array): void => {
    frames.push(show(frame))
  }
  for (const chunk of chunks) decoder.push(chunk, onFrame)
  decoder.end(onFrame)
  return frames
}

/** What `action` throws; fails the test when it throws nothing. */
export function thrown(action: () => void): unknown {
  try {
    action()
  } catch (error) {
    return error
  }
  throw new Error('expected the action to throw')
}
