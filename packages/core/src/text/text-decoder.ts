import type iconv from 'iconv-lite'
import { InvalidArgumentError } from '../errors.js'
import { type IconvEncoding, resolveEncoding } from './encodings.js'
import { decodeGb18030, decodesThroughIcu, wholeCharactersEnd } from './gb18030-icu.js'
import { prependCarriedBytes, Utf7SectionTracker } from './iconv-workarounds.js'
import { SurrogateRepair } from './unicode-repair.js'

/** A streaming text decoder: bytes in as they arrive, text out as soon as each character is whole. */
export interface StreamingTextDecoder {
  /** Decodes a chunk; the bytes of a character cut at the chunk's end are kept for the next write. */
  write(chunk: Uint8Array): string
  /**
   * The stream ended: returns what is left, a cut character as U+FFFD. The decoder then starts afresh,
   * so it can decode the next stream.
   */
  end(): string
}

/** Codecs whose output may hold unpaired surrogates (see {@link SurrogateRepair}). */
const SURROGATE_PASSING_CODECS = new Set([
  'ucs2',
  'utf16be',
  'utf16',
  'utf32le',
  'utf32be',
  'utf32',
  'utf7',
  'utf7imap',
  'cesu8',
  // Its four-byte sequences past U+10FFFF decode to lone surrogates in iconv-lite 0.7.
  'gb18030',
])
/** Codecs built on 2-byte units whose decoders drop an odd last byte silently. */
const TWO_BYTE_UNIT_CODECS = new Set(['ucs2', 'utf16be', 'utf16'])

/**
 * Creates a streaming decoder for `encoding`, so a multibyte character split across two chunks (a TCP
 * stream cut anywhere) is decoded whole. Invalid or truncated sequences become U+FFFD: bytes from a
 * peer never make it throw. A byte order mark is kept as U+FEFF, except that `utf-16` and `utf-32`
 * read it to choose the byte order. `utf-16` without a mark is little-endian, whatever its bytes look
 * like, so where a stream is cut never changes its text. The GB family decodes as {@link decodeText}
 * says. Throws UnknownEncodingError for an unsupported encoding.
 */
export function createTextDecoder(encoding: string): StreamingTextDecoder {
  const resolved = resolveEncoding(encoding)
  if (resolved.isUtf8) return new Utf8StreamDecoder()
  return decodesThroughIcu(resolved) ? new Gb18030StreamDecoder() : new IconvStreamDecoder(resolved)
}

/** UTF-8 through the WHATWG TextDecoder: native, and it keeps a cut sequence between calls. */
class Utf8StreamDecoder implements StreamingTextDecoder {
  readonly #decoder = new TextDecoder('utf-8', { ignoreBOM: true })

  write(chunk: Uint8Array): string {
    return this.#decoder.decode(checkBytes(chunk), { stream: true })
  }

  end(): string {
    return this.#decoder.decode()
  }
}

const NO_BYTES = new Uint8Array(0)

/**
 * The GB family through Node's ICU (gb18030-icu.ts). ICU is given whole characters only, without
 * `stream`, since Node's streaming decode can throw on invalid bytes: a character cut at the end of a
 * chunk is held here, at most 3 bytes, and decoded with the next chunk.
 */
class Gb18030StreamDecoder implements StreamingTextDecoder {
  #held: Uint8Array = NO_BYTES

  write(chunk: Uint8Array): string {
    checkBytes(chunk)
    const bytes = this.#held.length === 0 ? chunk : Buffer.concat([this.#held, chunk])
    const end = wholeCharactersEnd(bytes)
    if (end === bytes.length) {
      this.#held = NO_BYTES
      return decodeGb18030(bytes)
    }
    // A copy, not a view: the caller may reuse the chunk's memory.
    this.#held = Uint8Array.prototype.slice.call(bytes, end)
    return decodeGb18030(bytes.subarray(0, end))
  }

  end(): string {
    const text = decodeGb18030(this.#held)
    this.#held = NO_BYTES
    return text
  }
}

/** Every other encoding through iconv-lite (exported for the tests that compare it with ICU). */
export class IconvStreamDecoder implements StreamingTextDecoder {
  readonly #codec: iconv.Codec
  readonly #options: iconv.DecodeOptions
  readonly #repair: SurrogateRepair | undefined
  readonly #twoByteUnits: boolean
  readonly #utf7: Utf7SectionTracker | undefined
  readonly #isUtf16: boolean
  #decoder: iconv.DecoderStream
  #bytesWritten = 0

  constructor(resolved: IconvEncoding) {
    this.#codec = resolved.codec
    // BOM-aware codecs would strip a leading U+FEFF; a message's text is kept exactly instead.
    this.#options = resolved.codec.bomAware === true ? { stripBOM: false } : {}
    this.#repair = SURROGATE_PASSING_CODECS.has(resolved.codecKey) ? new SurrogateRepair() : undefined
    this.#twoByteUnits = TWO_BYTE_UNIT_CODECS.has(resolved.codecKey)
    const isUtf7 = resolved.codecKey === 'utf7' || resolved.codecKey === 'utf7imap'
    this.#utf7 = isUtf7 ? new Utf7SectionTracker(resolved.codecKey === 'utf7imap') : undefined
    this.#isUtf16 = resolved.codecKey === 'utf16'
    this.#decoder = this.#newDecoder()
  }

  write(chunk: Uint8Array): string {
    let bytes = asBuffer(checkBytes(chunk))
    this.#bytesWritten += bytes.length
    let text = ''
    if (this.#utf7?.closesSectionAtStart(bytes)) {
      const rest = this.#decoder.end()
      text = typeof rest === 'string' ? rest : ''
      bytes = bytes.subarray(1)
    }
    text += this.#decoder.write(prependCarriedBytes(this.#decoder, bytes))
    return this.#repair === undefined ? text : this.#repair.write(text)
  }

  end(): string {
    // Some iconv-lite decoders return undefined or even 0 from end().
    const rest = this.#decoder.end()
    let text = typeof rest === 'string' ? rest : ''
    if (this.#twoByteUnits && this.#bytesWritten % 2 !== 0) text += '\ufffd'
    if (this.#repair !== undefined) text = this.#repair.end(text)
    this.#decoder = this.#newDecoder()
    this.#bytesWritten = 0
    this.#utf7?.reset()
    return text
  }

  #newDecoder(): iconv.DecoderStream {
    return this.#isUtf16 ? new Utf16ByteOrderDecoder() : new this.#codec.decoder(this.#options, this.#codec)
  }
}

const BIG_ENDIAN_MARK = [0xfe, 0xff] as const
const LITTLE_ENDIAN_MARK = [0xff, 0xfe] as const

/**
 * `utf-16` whose byte order only a leading byte order mark chooses (the mark is consumed), else
 * little-endian. iconv-lite's own `utf-16` decoder guesses the order of unmarked text from the bytes
 * it has buffered when it first has 16, so the same stream cut differently could decode differently.
 */
class Utf16ByteOrderDecoder implements iconv.DecoderStream {
  #decoder: iconv.DecoderStream | undefined
  /** A first byte alone, kept until the second tells whether the two are a mark. */
  #held: Buffer | undefined

  write(chunk: Buffer): string {
    if (this.#decoder !== undefined) return this.#decoder.write(chunk)
    const bytes = this.#held === undefined ? chunk : Buffer.concat([this.#held, chunk])
    if (bytes.length < 2) {
      this.#held = bytes
      return ''
    }
    this.#held = undefined
    const bigEndian = startsWith(bytes, BIG_ENDIAN_MARK)
    const marked = bigEndian || startsWith(bytes, LITTLE_ENDIAN_MARK)
    this.#decoder = unitDecoder(bigEndian ? 'utf-16be' : 'utf-16le')
    return this.#decoder.write(marked ? bytes.subarray(2) : bytes)
  }

  end(): string | undefined {
    if (this.#decoder !== undefined) return this.#decoder.end()
    // Fewer than two bytes came, so no mark: little-endian.
    const decoder = unitDecoder('utf-16le')
    const text = this.#held === undefined ? '' : decoder.write(this.#held)
    const rest = decoder.end()
    return typeof rest === 'string' ? text + rest : text
  }
}

function unitDecoder(encoding: 'utf-16be' | 'utf-16le'): iconv.DecoderStream {
  const { codec } = resolveEncoding(encoding) as IconvEncoding
  return new codec.decoder({ stripBOM: false }, codec)
}

function startsWith(bytes: Buffer, prefix: readonly number[]): boolean {
  return prefix.every((byte, index) => bytes[index] === byte)
}

function checkBytes(chunk: Uint8Array): Uint8Array {
  if (!(chunk instanceof Uint8Array))
    throw new InvalidArgumentError('text can only be decoded from a Uint8Array')
  return chunk
}

/** iconv-lite's decoders expect Buffers; a view over the same memory costs no copy. */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}
