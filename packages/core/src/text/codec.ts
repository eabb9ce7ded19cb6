import { InvalidArgumentError } from '../errors.js'
import { resolveEncoding } from './encodings.js'
import { decodeGb18030, decodesThroughIcu } from './gb18030-icu.js'
import { createTextDecoder } from './text-decoder.js'

/** Shared, since a non-streaming decode() leaves no state behind. */
const utf8Decoder = new TextDecoder('utf-8', { ignoreBOM: true })

/**
 * Encodes `text` in `encoding` (any name {@link normalizeEncoding} accepts). A character the encoding
 * cannot represent becomes its substitute (`?` in GB2312, Big5, Latin-1...), as iconv-lite does; check
 * with {@link canEncode} first when that matters. UTF-8 is encoded by Node itself.
 * Throws UnknownEncodingError (ERR_UNKNOWN_ENCODING) for an unsupported encoding.
 */
export function encodeText(text: string, encoding: string): Uint8Array {
  if (typeof text !== 'string') throw new InvalidArgumentError('only a string can be encoded as text')
  const resolved = resolveEncoding(encoding)
  if (resolved.isUtf8) return Buffer.from(text, 'utf8')
  const { codec } = resolved
  const encoder = new codec.encoder(undefined, codec)
  const head = encoder.write(text)
  const tail = encoder.end()
  return tail === undefined || tail.length === 0 ? head : Buffer.concat([head, tail])
}

/**
 * Decodes `bytes` from `encoding` as one whole message. Invalid or truncated sequences become U+FFFD;
 * bytes from a peer never make it throw. A byte order mark is kept as U+FEFF (except `utf-16` and
 * `utf-32`, which read it to choose the byte order; `utf-16` without one is little-endian, however
 * its bytes look). UTF-8 is decoded by Node itself.
 *
 * The GB family (`gb2312`, `gbk`, `gb18030` and their aliases) is decoded by Node's ICU as the WHATWG
 * Encoding Standard's gb18030 decoder does, for all three names: `gb2312` and `gbk` text may hold
 * four-byte GB18030 sequences and user-defined (private-use) characters too. An invalid sequence
 * becomes one U+FFFD, and an ASCII byte in it is read again as itself (`81 20` is U+FFFD and a space;
 * a cut four-byte sequence, or one past U+10FFFF, is one U+FFFD). The 18 two-byte codes GB18030-2022
 * moved to standard characters (A6D9..A6F3, FE59..FEA0) keep their GB18030-2005 private-use
 * characters, so that text round-trips through {@link encodeText}. On a Node built without full ICU,
 * iconv-lite decodes them as before: the same text for what a GB encoder writes under each name, but
 * no four-byte sequences in `gb2312` and `gbk`, and its own count of U+FFFD for invalid bytes.
 *
 * Throws UnknownEncodingError (ERR_UNKNOWN_ENCODING) for an unsupported encoding.
 */
export function decodeText(bytes: Uint8Array, encoding: string): string {
  if (!(bytes instanceof Uint8Array))
    throw new InvalidArgumentError('text can only be decoded from a Uint8Array')
  const resolved = resolveEncoding(encoding)
  if (resolved.isUtf8) {
    // Buffer#toString is the fastest for small Buffers; a plain Uint8Array would need a Buffer view first.
    return Buffer.isBuffer(bytes) ? bytes.toString('utf8') : utf8Decoder.decode(bytes)
  }
  if (decodesThroughIcu(resolved)) return decodeGb18030(bytes)
  const decoder = createTextDecoder(encoding)
  return decoder.write(bytes) + decoder.end()
}

/** True when every character of `text` survives a round trip through `encoding`. */
export function canEncode(text: string, encoding: string): boolean {
  return decodeText(encodeText(text, encoding), encoding) === text
}
