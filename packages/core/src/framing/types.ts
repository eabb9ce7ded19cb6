/** Construction options of a frame decoder. */
export interface FrameDecoderInit {
  /** Largest frame accepted, in bytes, without framing overhead; a larger one is refused before it is allocated. */
  readonly maxFrameBytes?: number
}

/**
 * A streaming decoder: feed it chunks exactly as they came off a stream, split anywhere, and it
 * calls `onFrame` once per whole frame, in order. A frame that lies inside one chunk is a view of
 * that chunk (no copy), so it shares the chunk's memory; only a frame split across chunks is
 * assembled, in memory the frame then owns. Frames are Uint8Arrays: do not count on them being
 * Buffers, even when the chunks are. The decoder keeps no reference to a chunk after `push`
 * returns. Once `push` or `end` has thrown (including an error thrown by `onFrame`), the stream is
 * out of step and every later call throws that same error.
 */
export interface FrameDecoder {
  /**
   * Decodes a chunk. Throws FrameTooLargeError (ERR_FRAME_TOO_LARGE) as soon as a frame is known
   * to be too large, before allocating it; the decoder is then unusable.
   */
  push(chunk: Uint8Array, onFrame: (frame: Uint8Array) => void): void
  /**
   * The stream ended: delivers what a framing allows as a last frame (an unterminated line) or
   * throws InvalidFrameError (ERR_INVALID_FRAME) for a truncated frame.
   */
  end(onFrame: (frame: Uint8Array) => void): void
  /** Bytes held for a frame not yet complete. */
  readonly bufferedBytes: number
  /**
   * Where the stream's next bytes can be read to directly, so that a large frame is never copied:
   * the rest of the frame being assembled (with room for the next prefix, so that a run of large
   * frames is read in place frame after frame), or undefined while no frame of at least
   * `minFrameBytes` is pending. Give the bytes read there to `push` as `target.subarray(0, n)`: the
   * decoder sees they are already in place. Optional: only a framing that knows a frame's length
   * before its bytes (length) has it.
   */
  directReadTarget?(minFrameBytes: number): Uint8Array | undefined
}

/** A way to carry messages over a byte stream: `line`, `length` or `raw`. */
export interface Framing {
  readonly name: 'line' | 'length' | 'raw'
  /** The bytes that carry `payload` on the stream (one buffer, ready for one write). */
  encode(payload: Uint8Array): Uint8Array
  /** Bytes `encode` adds to a payload. */
  readonly overheadBytes: number
  createDecoder(init?: FrameDecoderInit): FrameDecoder
}

/** The framings by name. */
export type FramingName = Framing['name']

/** Default largest frame: 16 MiB. */
export const DEFAULT_MAX_FRAME_BYTES = 16 * 1024 * 1024
