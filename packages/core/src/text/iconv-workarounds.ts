/**
 * Workarounds for streaming bugs of iconv-lite 0.7 that cut or invent characters when a chunk
 * boundary falls inside a multibyte sequence. Whole-buffer decoding is not affected. Each is checked
 * by the split-anywhere property tests (test/text-properties.test.ts).
 */

/** The state iconv-lite's DBCS decoder (GB*, Big5, Shift_JIS, EUC-*) keeps between writes. */
interface DbcsDecoderState {
  prevBytes: number[]
  nodeIdx: number
}

function isDbcsDecoderState(decoder: object): decoder is DbcsDecoderState {
  const state = decoder as Partial<DbcsDecoderState>
  return Array.isArray(state.prevBytes) && typeof state.nodeIdx === 'number'
}

/**
 * The DBCS decoder sizes its output from the new chunk alone, so a character completed by bytes it
 * carried from the previous chunk loses code units (a GB18030 emoji split after its third byte comes
 * out as a lone surrogate; pillarjs/iconv-lite#417). Handing it the carried bytes again, from its
 * start state, gives it room and parses them exactly as it would have.
 */
export function prependCarriedBytes(decoder: object, chunk: Buffer): Buffer {
  if (!isDbcsDecoderState(decoder) || decoder.prevBytes.length === 0) return chunk
  const carried = decoder.prevBytes
  const joined = Buffer.allocUnsafe(carried.length + chunk.length)
  joined.set(carried, 0)
  joined.set(chunk, carried.length)
  decoder.prevBytes = []
  decoder.nodeIdx = 0
  return joined
}

const MINUS = 0x2d

/**
 * iconv-lite's UTF-7 decoders read a `-` at the very start of a chunk as the `+-` escape (a literal
 * `+`) even when base64 came before it in the previous chunk, inventing a `+`. This tracks whether a
 * base64 section with content is open, so the caller can end it (decoder.end()) and drop that `-`.
 */
export class Utf7SectionTracker {
  readonly #shift: number
  readonly #isBase64: (byte: number) => boolean
  #inSection = false
  #sectionHasBase64 = false

  constructor(imap: boolean) {
    this.#shift = imap ? 0x26 /* & */ : 0x2b /* + */
    const extra = imap ? 0x2c /* , */ : 0x2f /* / */
    this.#isBase64 = (byte) =>
      (byte >= 0x41 && byte <= 0x5a) ||
      (byte >= 0x61 && byte <= 0x7a) ||
      (byte >= 0x30 && byte <= 0x39) ||
      byte === 0x2b ||
      byte === extra
  }

  /** Reads `chunk`; true when it starts with the `-` that closes a section opened in earlier chunks. */
  closesSectionAtStart(chunk: Uint8Array): boolean {
    const closes = this.#inSection && this.#sectionHasBase64 && chunk[0] === MINUS
    for (const byte of chunk) {
      if (!this.#inSection) {
        if (byte === this.#shift) {
          this.#inSection = true
          this.#sectionHasBase64 = false
        }
      } else if (this.#isBase64(byte)) {
        this.#sectionHasBase64 = true
      } else {
        this.#inSection = false
      }
    }
    return closes
  }

  reset(): void {
    this.#inSection = false
    this.#sectionHasBase64 = false
  }
}
