import { FrameTooLargeError, InvalidFrameError } from '../errors.js'
import { checkBytes, resolveMaxFrameBytes, viewOf } from './frame-bytes.js'
import type { FrameDecoder, FrameDecoderInit, Framing } from './types.js'

const LF = 10
const CR = 13
/** First capacity of the buffer holding a line cut by a chunk boundary; it doubles as needed. */
const INITIAL_PENDING_BYTES = 256

/**
 * Text lines: each frame is followed by `\n`, as nc, telnet and a person typing send. The decoder
 * strips one `\r` before the `\n`, so CRLF peers (telnet, Windows) give the same frames; for the
 * same reason `encode` refuses a payload containing `\n` or ending in `\r` (InvalidFrameError).
 * `maxFrameBytes` is the longest line, without its line ending: a longer line is refused as soon as
 * the bytes held for it exceed the maximum, newline or not. At the end of the stream, an
 * unterminated last line is delivered if it is not empty.
 */
export const lineFraming: Framing = {
  name: 'line',
  overheadBytes: 1,

  encode(payload: Uint8Array): Uint8Array {
    checkBytes(payload, 'a frame')
    const length = payload.length
    if (payload.indexOf(LF) !== -1) throw new InvalidFrameError('a line frame cannot contain a newline (\\n)')
    if (payload[length - 1] === CR) {
      throw new InvalidFrameError('a line frame cannot end in \\r: the decoder strips it as part of CRLF')
    }
    const bytes = Buffer.allocUnsafe(length + 1)
    bytes.set(payload, 0)
    bytes[length] = LF
    return bytes
  },

  createDecoder(init?: FrameDecoderInit): FrameDecoder {
    return new LineFrameDecoder(resolveMaxFrameBytes(init))
  },
}

/**
 * Lines wholly inside a chunk are delivered as views of it; only a line cut by a chunk boundary is
 * copied, into a buffer that grows up to the maximum line length (plus a possible `\r`).
 */
class LineFrameDecoder implements FrameDecoder {
  readonly #maxFrameBytes: number
  /** Bytes of a line whose newline has not arrived yet; its first `#pendingLength` bytes are used. */
  #pending: Uint8Array | undefined
  #pendingLength = 0
  /** Set once push or end has thrown; every later call rethrows it. */
  #failure: unknown

  constructor(maxFrameBytes: number) {
    this.#maxFrameBytes = maxFrameBytes
  }

  get bufferedBytes(): number {
    return this.#pendingLength
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

  end(onFrame: (frame: Uint8Array) => void): void {
    if (this.#failure !== undefined) throw this.#failure
    if (this.#pendingLength === 0) return
    const line = this.#takePending()
    if (line.length > 0) onFrame(line)
  }

  #decode(chunk: Uint8Array, onFrame: (frame: Uint8Array) => void): void {
    const chunkLength = chunk.length
    let start = 0
    if (this.#pendingLength > 0) {
      const newline = chunk.indexOf(LF)
      if (newline === -1) {
        this.#hold(chunk, 0, chunkLength)
        return
      }
      this.#hold(chunk, 0, newline)
      start = newline + 1
      onFrame(this.#takePending())
    }
    const max = this.#maxFrameBytes
    while (start < chunkLength) {
      const newline = chunk.indexOf(LF, start)
      if (newline === -1) {
        this.#hold(chunk, start, chunkLength)
        return
      }
      const end = newline > start && chunk[newline - 1] === CR ? newline - 1 : newline
      if (end - start > max) throw new FrameTooLargeError(end - start, max)
      onFrame(viewOf(chunk, start, end - start))
      start = newline + 1
    }
  }

  /**
   * Appends `chunk[from, to)` to the pending line, refusing it first if the line would exceed the
   * maximum. One byte over is allowed when it is a `\r`, which may be the start of a CRLF.
   */
  #hold(chunk: Uint8Array, from: number, to: number): void {
    const length = this.#pendingLength + (to - from)
    const max = this.#maxFrameBytes
    if (length > max) {
      const lastByte = to > from ? chunk[to - 1] : this.#pending![this.#pendingLength - 1]
      if (length > max + 1 || lastByte !== CR) throw new FrameTooLargeError(length, max)
    }
    let pending = this.#pending
    if (pending === undefined || pending.length < length) {
      const capacity = Math.min(max + 1, Math.max(length, INITIAL_PENDING_BYTES, 2 * (pending?.length ?? 0)))
      const grown = Buffer.allocUnsafe(capacity)
      if (pending !== undefined) grown.set(pending.subarray(0, this.#pendingLength), 0)
      pending = grown
      this.#pending = grown
    }
    pending.set(chunk.subarray(from, to), this.#pendingLength)
    this.#pendingLength = length
  }

  /** The pending line without a trailing `\r`; the decoder lets go of the buffer, which the frame now owns. */
  #takePending(): Uint8Array {
    const pending = this.#pending!
    let length = this.#pendingLength
    if (length > 0 && pending[length - 1] === CR) length--
    this.#pending = undefined
    this.#pendingLength = 0
    return pending.subarray(0, length)
  }
}
