import type { OnReadOpts } from 'node:net'
import type { FrameDecoder } from '@protolab/core'

/** What a read lands in when no large frame is pending: Node's own read size. */
const READ_CHUNK_BYTES = 64 * 1024
/** A chunk read at least this full is handed on as it is; a smaller read is copied out to its size. */
const KEEP_CHUNK_MIN_BYTES = READ_CHUNK_BYTES / 2
/**
 * A frame this large is read into its own memory: below it, copying the frame costs less than the
 * extra small read that taking its last bytes and the next prefix into place may take.
 */
const DIRECT_READ_MIN_FRAME_BYTES = 16 * 1024

/**
 * Chooses the memory each read of a socket lands in (node:net's `onread`, which Node offers only
 * for sockets we create, so for connections we dial). While a large frame is being assembled, the
 * kernel writes the rest of it straight into the frame's own buffer, and those bytes are never
 * copied. Other reads go to a 64 KiB chunk, handed on when at least half full; a smaller read is
 * copied to its exact size and the chunk reused, so a small message never pins 64 KiB.
 */
export class SocketReads {
  /** For `net.connect({ onread })`: Node asks `buffer` for the memory of each read, then calls `callback`. */
  readonly onread: OnReadOpts = {
    buffer: () => this.nextBuffer(),
    callback: (bytes, buffer) => this.onRead(bytes, buffer),
  }

  private chunk: Buffer | undefined
  private decoder: FrameDecoder | undefined
  private onChunk: ((chunk: Uint8Array) => void) | undefined

  /** Starts handing what is read to `onChunk`, and reading into `decoder`'s large frames. */
  attach(decoder: FrameDecoder, onChunk: (chunk: Uint8Array) => void): void {
    this.decoder = decoder
    this.onChunk = onChunk
  }

  private nextBuffer(): Uint8Array {
    const target = this.decoder?.directReadTarget?.(DIRECT_READ_MIN_FRAME_BYTES)
    if (target !== undefined) return target
    this.chunk ??= Buffer.allocUnsafeSlow(READ_CHUNK_BYTES)
    return this.chunk
  }

  /** Returns true: pausing is the connection's (`socket.pause()`), as for a socket without `onread`. */
  private onRead(bytes: number, buffer: Uint8Array): boolean {
    let data: Uint8Array
    if (buffer !== this.chunk) {
      data = buffer.subarray(0, bytes)
    } else if (bytes >= KEEP_CHUNK_MIN_BYTES) {
      data = buffer.subarray(0, bytes)
      this.chunk = undefined
    } else {
      data = Buffer.allocUnsafe(bytes)
      data.set(buffer.subarray(0, bytes))
    }
    // The socket only reads once connected, and the connection attaches as it is made.
    this.onChunk?.(data)
    return true
  }
}
