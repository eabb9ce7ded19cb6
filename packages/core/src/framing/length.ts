import { FrameTooLargeError, InvalidFrameError } from '../errors.js'
import { checkBytes, resolveMaxFrameBytes, viewOf } from './frame-bytes.js'
import type { FrameDecoder, FrameDecoderInit, Framing } from './types.js'

const PREFIX_BYTES = 4
const MAX_PREFIX_VALUE = 0xffff_ffff

/**
 * A frame split across chunks is assembled in one buffer of exactly its size (and the next prefix's)
 * when it is at most this large. A larger one starts here and doubles with the bytes that actually
 * arrive, so a peer that sends only a large prefix cannot make each connection hold its maximum frame.
 */
const EXACT_ALLOCATION_MAX_BYTES = 64 * 1024

/**
 * Length-prefixed framing: a 4-byte big-endian unsigned length, then that many bytes. Binary-safe,
 * and empty frames are allowed. The decoder refuses a prefix above `maxFrameBytes` as soon as it has
 * read it, before allocating anything, and a stream that ends inside a frame is InvalidFrameError.
 */
export const lengthFraming: Framing = {
  name: 'length',
  overheadBytes: PREFIX_BYTES,

  encode(payload: Uint8Array): Uint8Array {
    checkBytes(payload, 'a frame')
    const length = payload.length
    if (length > MAX_PREFIX_VALUE) throw new FrameTooLargeError(length, MAX_PREFIX_VALUE)
    const bytes = Buffer.allocUnsafe(PREFIX_BYTES + length)
    bytes[0] = length >>> 24
    bytes[1] = (length >>> 16) & 0xff
    bytes[2] = (length >>> 8) & 0xff
    bytes[3] = length & 0xff
    bytes.set(payload, PREFIX_BYTES)
    return bytes
  },

  createDecoder(init?: FrameDecoderInit): FrameDecoder {
    return new LengthFrameDecoder(resolveMaxFrameBytes(init))
  },
}

/**
 * Two states: reading a prefix (possibly split across chunks), then, for a frame not wholly inside
 * the current chunk, assembling its body. A frame wholly inside a chunk is delivered as a view.
 */
class LengthFrameDecoder implements FrameDecoder {
  readonly #maxFrameBytes: number
  #prefixBytesRead = 0
  #prefixValue = 0
  /** The frame being assembled, or undefined while reading a prefix. */
  #body: Uint8Array | undefined
  #bodyLength = 0
  #bodyBytesRead = 0
  /** Set once push or end has thrown; the stream is then out of step and every later call rethrows it. */
  #failure: unknown

  constructor(maxFrameBytes: number) {
    this.#maxFrameBytes = maxFrameBytes
  }

  get bufferedBytes(): number {
    return this.#body === undefined ? this.#prefixBytesRead : PREFIX_BYTES + this.#bodyBytesRead
  }

  directReadTarget(minFrameBytes: number): Uint8Array | undefined {
    if (this.#body === undefined || this.#failure !== undefined) return undefined
    if (this.#bodyLength < minFrameBytes) return undefined
    // A body that is full but not complete (a frame above the exact-allocation size) grows first.
    const body = this.#growBody(this.#bodyBytesRead + 1)
    return body.subarray(this.#bodyBytesRead)
  }

  push(chunk: Uint8Array, onFrame: (frame: Uint8Array) => void): void {
    if (this.#failure !== undefined) throw this.#failure
    checkBytes(chunk, 'a chunk')
    try {
      this.#decode(chunk, onFrame)
    } catch (error) {
      this.#failure = error
      throw error
    }
  }

  /** A length-prefixed stream has no last frame to flush: it ends between frames or is truncated. */
  end(_onFrame: (frame: Uint8Array) => void): void {
    if (this.#failure !== undefined) throw this.#failure
    if (this.#body !== undefined || this.#prefixBytesRead > 0) {
      const where =
        this.#body === undefined
          ? `${this.#prefixBytesRead} of the ${PREFIX_BYTES} length bytes`
          : `${this.#bodyBytesRead} of ${this.#bodyLength} bytes`
      this.#failure = new InvalidFrameError(`the stream ended inside a frame, after ${where}`)
      throw this.#failure
    }
  }

  #decode(chunk: Uint8Array, onFrame: (frame: Uint8Array) => void): void {
    const chunkLength = chunk.length
    let offset = 0
    if (this.#body !== undefined) {
      offset = this.#continueBody(chunk, 0, onFrame)
    }
    while (offset < chunkLength) {
      let frameLength: number
      if (this.#prefixBytesRead === 0 && chunkLength - offset >= PREFIX_BYTES) {
        // Multiplying the top byte keeps the value unsigned where `<< 24` would go negative.
        frameLength =
          chunk[offset]! * 0x100_0000 +
          ((chunk[offset + 1]! << 16) | (chunk[offset + 2]! << 8) | chunk[offset + 3]!)
        offset += PREFIX_BYTES
      } else {
        while (this.#prefixBytesRead < PREFIX_BYTES && offset < chunkLength) {
          this.#prefixValue = this.#prefixValue * 256 + chunk[offset]!
          this.#prefixBytesRead++
          offset++
        }
        if (this.#prefixBytesRead < PREFIX_BYTES) return
        frameLength = this.#prefixValue
        this.#prefixBytesRead = 0
        this.#prefixValue = 0
      }
      if (frameLength > this.#maxFrameBytes) throw new FrameTooLargeError(frameLength, this.#maxFrameBytes)
      const frameEnd = offset + frameLength
      if (frameEnd <= chunkLength) {
        onFrame(viewOf(chunk, offset, frameLength))
        offset = frameEnd
      } else {
        this.#startBody(frameLength, chunkLength - offset)
        offset = this.#continueBody(chunk, offset, onFrame)
      }
    }
  }

  #startBody(frameLength: number, firstBytes: number): void {
    // Room for the next prefix too: a direct read can then take it with the frame's last bytes.
    const full = frameLength + PREFIX_BYTES
    const capacity =
      frameLength <= EXACT_ALLOCATION_MAX_BYTES
        ? full
        : Math.min(full, Math.max(EXACT_ALLOCATION_MAX_BYTES, 2 * firstBytes))
    this.#body = Buffer.allocUnsafe(capacity)
    this.#bodyLength = frameLength
    this.#bodyBytesRead = 0
  }

  /**
   * The frame being assembled, with room for at least `bytes` of it. Only frames above
   * EXACT_ALLOCATION_MAX_BYTES grow, doubling; the last step lands on their full size.
   */
  #growBody(bytes: number): Uint8Array {
    const body = this.#body!
    if (bytes <= body.length) return body
    const full = this.#bodyLength + PREFIX_BYTES
    const grown = Buffer.allocUnsafe(Math.min(full, Math.max(2 * body.length, bytes)))
    grown.set(body.subarray(0, this.#bodyBytesRead))
    this.#body = grown
    return grown
  }

  /** Copies what `chunk` holds of the frame being assembled; returns the offset after it. */
  #continueBody(chunk: Uint8Array, offset: number, onFrame: (frame: Uint8Array) => void): number {
    const take = Math.min(this.#bodyLength - this.#bodyBytesRead, chunk.length - offset)
    const filled = this.#bodyBytesRead + take
    const body = this.#growBody(filled)
    // Bytes read straight into the frame (directReadTarget) are already where they belong.
    const inPlace =
      chunk.buffer === body.buffer && chunk.byteOffset + offset === body.byteOffset + this.#bodyBytesRead
    if (!inPlace) body.set(chunk.subarray(offset, offset + take), this.#bodyBytesRead)
    this.#bodyBytesRead = filled
    if (filled === this.#bodyLength) {
      this.#body = undefined
      this.#bodyBytesRead = 0
      onFrame(body.subarray(0, filled))
    }
    return offset + take
  }
}
