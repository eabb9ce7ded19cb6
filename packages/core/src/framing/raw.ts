import { checkBytes, resolveMaxFrameBytes } from './frame-bytes.js'
import type { FrameDecoder, FrameDecoderInit, Framing } from './types.js'

/**
 * No framing: every chunk is a frame exactly as it arrives, to show that a TCP stream keeps no
 * message boundaries. `encode` returns the payload itself (nothing to add, nothing copied). The
 * decoder never buffers, so `maxFrameBytes` is accepted but has nothing to limit; empty chunks are
 * skipped, since they carry no bytes.
 */
export const rawFraming: Framing = {
  name: 'raw',
  overheadBytes: 0,

  encode(payload: Uint8Array): Uint8Array {
    checkBytes(payload, 'a frame')
    return payload
  },

  createDecoder(init?: FrameDecoderInit): FrameDecoder {
    resolveMaxFrameBytes(init) // validated like every framing's, so a bad option is caught whichever is chosen
    return new RawFrameDecoder()
  },
}

class RawFrameDecoder implements FrameDecoder {
  readonly bufferedBytes = 0

  push(chunk: Uint8Array, onFrame: (frame: Uint8Array) => void): void {
    checkBytes(chunk, 'a chunk')
    if (chunk.length > 0) onFrame(chunk)
  }

  end(_onFrame: (frame: Uint8Array) => void): void {}
}
