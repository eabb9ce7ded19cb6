import { InvalidArgumentError } from '../errors.js'
import { DEFAULT_MAX_FRAME_BYTES, type FrameDecoderInit } from './types.js'

/** The decoder's maximum frame size: the default, or the given one when it is a whole number of bytes. */
export function resolveMaxFrameBytes(init: FrameDecoderInit | undefined): number {
  const value = init?.maxFrameBytes
  if (value === undefined) return DEFAULT_MAX_FRAME_BYTES
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new InvalidArgumentError(`maxFrameBytes must be a whole number of bytes, not ${String(value)}`)
  }
  return value
}

/** Frames and chunks are Uint8Arrays (a Buffer is one); anything else is a caller's bug, reported as such. */
export function checkBytes(value: Uint8Array, what: string): void {
  if (!(value instanceof Uint8Array)) throw new InvalidArgumentError(`${what} must be a Uint8Array`)
}

/**
 * A view of `length` bytes of `chunk` from `start`, sharing its memory. Built directly rather than
 * with `subarray`, which on a Buffer goes through the species constructor and costs about twice as
 * much per frame; so frames are plain Uint8Arrays even when the chunk is a Buffer.
 */
export function viewOf(chunk: Uint8Array, start: number, length: number): Uint8Array {
  return new Uint8Array(chunk.buffer, chunk.byteOffset + start, length)
}
