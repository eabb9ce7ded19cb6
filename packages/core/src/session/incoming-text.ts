import { formatHostPort } from '../address/index.js'
import { decodeText } from '../text/codec.js'
import { createTextDecoder, type StreamingTextDecoder } from '../text/text-decoder.js'
import type { SocketAddress } from '../transport/types.js'

/**
 * Decodes what peers send into text. Messages are decoded whole, except over a raw TCP stream,
 * where chunks are cut anywhere: there each peer has its own streaming decoder, so a character
 * split across two chunks is decoded whole.
 */
export class IncomingText {
  readonly #encoding: string
  readonly #streaming: boolean
  readonly #decoders = new Map<string, StreamingTextDecoder>()

  constructor(encoding: string, options: { readonly streaming: boolean }) {
    this.#encoding = encoding
    this.#streaming = options.streaming
  }

  /** The text of `bytes` from `peer`; a character cut at the end waits for the next chunk when streaming. */
  decode(peer: SocketAddress, bytes: Uint8Array): string {
    if (!this.#streaming) return decodeText(bytes, this.#encoding)
    const key = formatHostPort(peer.address, peer.port)
    let decoder = this.#decoders.get(key)
    if (decoder === undefined) {
      decoder = createTextDecoder(this.#encoding)
      this.#decoders.set(key, decoder)
    }
    return decoder.write(bytes)
  }

  /** Drops the state kept for `peer` (it disconnected). */
  forget(peer: SocketAddress): void {
    this.#decoders.delete(formatHostPort(peer.address, peer.port))
  }
}
