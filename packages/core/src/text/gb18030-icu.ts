import { TextDecoder } from 'node:util'
import type { ResolvedEncoding } from './encodings.js'

/**
 * The GB family (gb2312, gbk, gb18030 and every alias of theirs) decoded by Node's ICU rather than
 * iconv-lite, which is 2-3 times slower. All of them go through ICU's gb18030 converter: it decodes
 * as the WHATWG Encoding Standard's gb18030 decoder does, which the standard also uses for the gb2312
 * and gbk labels. (Node's `TextDecoder('gbk')` is ICU's windows-936 instead, which reads 0xFF as
 * U+F8F5 and 0xA2E3 as a private-use character rather than the euro sign.)
 *
 * Two things are worked around:
 * - ICU follows GB18030-2022, which moved 18 two-byte codes from private-use characters to standard
 *   ones. iconv-lite, which encodes for encodeText, keeps GB18030-2005, so those codes are decoded to
 *   the 2005 private-use characters and text still round-trips (see {@link MOVED_CODES}).
 * - Node's streaming TextDecoder sizes its output from the new chunk alone: when ICU holds the start
 *   of a four-byte sequence that the next chunk makes invalid, re-reading the held bytes overflows it
 *   and decode() throws ERR_ENCODING_INVALID_ENCODED_DATA although `fatal` is off (`81 30`, then
 *   `20`). So ICU only ever gets whole characters, without `stream`; the caller holds a character
 *   cut at the end of a chunk ({@link wholeCharactersEnd}). Whole characters never decode to more
 *   UTF-16 units than they have bytes, which is what Node allows.
 */

/** iconv-lite's codecs of the family: each name of gb2312, gbk or gb18030 selects one of them. */
const GB_CODEC_KEYS: ReadonlySet<string> = new Set(['cp936', 'gbk', 'gb18030'])

/**
 * The two-byte codes (lead << 8 | trail) that GB18030-2022, and so ICU, decodes to U+FE10..U+FE19
 * and U+9FB4..U+9FBB, with the private-use character GB18030-2005 and iconv-lite have for each.
 * Their four-byte codes decode to the same standard characters in both versions.
 */
const MOVED_CODES: ReadonlyMap<number, string> = new Map([
  [0xa6d9, '\ue78d'],
  [0xa6da, '\ue78e'],
  [0xa6db, '\ue78f'],
  [0xa6dc, '\ue790'],
  [0xa6dd, '\ue791'],
  [0xa6de, '\ue792'],
  [0xa6df, '\ue793'],
  [0xa6ec, '\ue794'],
  [0xa6ed, '\ue795'],
  [0xa6f3, '\ue796'],
  [0xfe59, '\ue81e'],
  [0xfe61, '\ue826'],
  [0xfe66, '\ue82b'],
  [0xfe67, '\ue82c'],
  [0xfe6d, '\ue832'],
  [0xfe7e, '\ue843'],
  [0xfe90, '\ue854'],
  [0xfea0, '\ue864'],
])
const MOVED_CODE_LEADS = [0xa6, 0xfe] as const

/** Node's gb18030 decoder, shared: a decode() without `stream` leaves no state behind. */
let icu: TextDecoder | null | undefined

/** True when `resolved` is of the GB family and this Node has ICU's gb18030 (checked once). */
export function decodesThroughIcu(resolved: ResolvedEncoding): boolean {
  if (resolved.isUtf8 || !GB_CODEC_KEYS.has(resolved.codecKey)) return false
  if (icu === undefined) {
    try {
      icu = new TextDecoder('gb18030', { ignoreBOM: true })
    } catch {
      // A Node built without full ICU has no gb18030 (ERR_ENCODING_NOT_SUPPORTED): iconv-lite decodes.
      icu = null
    }
  }
  return icu !== null
}

/**
 * Decodes GB18030 bytes through ICU; a character cut at the end becomes one U+FFFD. Only once
 * {@link decodesThroughIcu} said yes.
 */
export function decodeGb18030(bytes: Uint8Array): string {
  const decoder = icu!
  if (bytes.length === 0) return ''
  if (!mayHoldMovedCode(bytes)) return decoder.decode(bytes)
  // Rare (a vertical punctuation form, or 8 rare ideographs): find the moved codes that really start
  // a character, and cut after each, where ICU's reading of what comes before is complete.
  let text = ''
  let from = 0
  for (let i = 0; i < bytes.length; ) {
    const length = characterLength(bytes, i)
    if (length === 0) break
    const privateUse = length === 2 ? MOVED_CODES.get((bytes[i]! << 8) | bytes[i + 1]!) : undefined
    if (privateUse !== undefined) {
      text += decoder.decode(bytes.subarray(from, i + 2)).slice(0, -1) + privateUse
      from = i + 2
    }
    i += length
  }
  return text + decoder.decode(bytes.subarray(from))
}

/** Fast check (indexOf is native) for a byte pair that might be a moved code, aligned or not. */
function mayHoldMovedCode(bytes: Uint8Array): boolean {
  for (const lead of MOVED_CODE_LEADS) {
    for (let i = bytes.indexOf(lead); i !== -1; i = bytes.indexOf(lead, i + 1)) {
      if (MOVED_CODES.has((lead << 8) | (bytes[i + 1] ?? 0))) return true
    }
  }
  return false
}

/**
 * Where the character cut off at the end of `bytes` starts (`bytes.length` when the last is whole),
 * given that `bytes` starts with a character. Decoding `bytes` up to there gives exactly the text the
 * whole stream gives for those bytes.
 */
export function wholeCharactersEnd(bytes: Uint8Array): number {
  // Bytes 0x81..0xFE at the end pair up as two-byte characters when what comes before them ends a
  // character, so an odd one out is a cut lead byte. The common case, and a short backward scan.
  let start = bytes.length
  while (start > 0 && bytes[start - 1]! >= 0x81 && bytes[start - 1] !== 0xff) start--
  // A byte below 0x81 other than a digit (0x30..0x39), or 0xFF, always ends a character, valid or not.
  const before = start === 0 ? -1 : bytes[start - 1]!
  if (before < 0x30 || before > 0x39)
    return (bytes.length - start) % 2 === 0 ? bytes.length : bytes.length - 1
  // A digit may be part of a four-byte sequence: walk from the last byte that ends a character.
  while (start > 0) {
    const byte = bytes[start - 1]!
    if ((byte <= 0x80 && (byte < 0x30 || byte > 0x39)) || byte === 0xff) break
    start--
  }
  for (let i = start; i < bytes.length; ) {
    const length = characterLength(bytes, i)
    if (length === 0) return i
    i += length
  }
  return bytes.length
}

/**
 * How many bytes the character at `i` takes as the WHATWG gb18030 decoder reads it, or 0 when
 * `bytes` ends before that is known. An invalid sequence counts as its lead byte alone when the
 * decoder reads the bytes after it again (an ASCII byte after a lead, a broken four-byte sequence),
 * and as both bytes when it drops them (a lead then 0xFF).
 */
function characterLength(bytes: Uint8Array, i: number): number {
  const lead = bytes[i]!
  if (lead < 0x81 || lead === 0xff) return 1
  if (i + 1 >= bytes.length) return 0
  const second = bytes[i + 1]!
  if (second >= 0x30 && second <= 0x39) {
    // Four bytes: lead, digit, lead, digit.
    if (i + 2 >= bytes.length) return 0
    const third = bytes[i + 2]!
    if (third < 0x81 || third === 0xff) return 1
    if (i + 3 >= bytes.length) return 0
    const fourth = bytes[i + 3]!
    return fourth >= 0x30 && fourth <= 0x39 ? 4 : 1
  }
  return second < 0x40 || second === 0x7f ? 1 : 2
}
