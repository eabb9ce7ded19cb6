import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createTextDecoder, decodeText, escapeControlCharacters, listEncodings } from '../src/index.js'
import { cutPositions, splitAt } from './helpers.js'

/**
 * Invalid multibyte input in every supported encoding, through the streaming decoder a TCP
 * session uses: sequences built to be wrong (lead bytes without their trail, trails without a
 * lead, overlong and out-of-range UTF-8, unpaired UTF-16 surrogates, UTF-32 past U+10FFFF,
 * broken UTF-7 base64, cut four-byte GB18030), mixed with plain ASCII and cut anywhere.
 * `text-properties.test.ts` covers round trips and uniformly random bytes; this covers the
 * sequences a hostile or broken peer sends, and what such text becomes on a terminal.
 */

const ENCODINGS = listEncodings().map((encoding) => encoding.name)
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/
/** What may move a cursor, clear a screen or reorder text on a terminal (as escape.ts lists them). */
const TERMINAL_UNSAFE = /[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/

/** Byte sequences that are invalid, or cut, in at least one encoding. */
const BROKEN_FRAGMENTS: readonly (readonly number[])[] = [
  // UTF-8: a lone continuation, a lead without trail, overlong NUL and '/', a surrogate, past U+10FFFF, 0xff.
  [0x80],
  [0xc3],
  [0xe4, 0xbd],
  [0xf0, 0x9f, 0x98],
  [0xc0, 0x80],
  [0xe0, 0x80, 0xaf],
  [0xed, 0xa0, 0x80],
  [0xf4, 0x90, 0x80, 0x80],
  [0xf8, 0x88, 0x80, 0x80, 0x80],
  [0xff, 0xfe],
  // Double-byte CJK (GB2312/GBK/Big5/Shift_JIS/EUC): a lead byte then a byte no table has, or nothing.
  [0x81, 0x00],
  [0xa1, 0x0a],
  [0xb0, 0x7f],
  [0xfe, 0xff],
  [0x8e, 0x41],
  [0x8f, 0xa1],
  [0xe0],
  // GB18030 four-byte forms: cut, and past U+10FFFF.
  [0x81, 0x30],
  [0x81, 0x30, 0x81],
  [0xfe, 0x39, 0xfe, 0x39],
  [0x84, 0x31, 0xa4, 0x39],
  // UTF-16: unpaired high and low surrogates, both byte orders, an odd byte.
  [0x00, 0xd8],
  [0xd8, 0x00],
  [0x00, 0xdc, 0x00, 0xdc],
  [0xdc, 0x00, 0x41, 0x00],
  [0x41],
  // UTF-32: past U+10FFFF and a surrogate, both byte orders.
  [0x00, 0x00, 0x11, 0x00],
  [0x00, 0x11, 0x00, 0x00],
  [0xff, 0xff, 0xff, 0xff],
  [0x00, 0xd8, 0x00, 0x00],
  // Byte order marks where text is expected.
  [0xef, 0xbb, 0xbf],
  [0xff, 0xfe, 0x00, 0x00],
  // UTF-7: an unterminated or malformed base64 section, an escape to nothing.
  [0x2b, 0x41, 0x47],
  [0x2b, 0x2d],
  [0x2b, 0x21],
  [0x2b, 0x32, 0x44, 0x38, 0x41],
  [0x26, 0x41, 0x47],
  // Terminal control sequences inside text: ESC [2J, OSC title, C1 CSI, a bidi override in UTF-8.
  [0x1b, 0x5b, 0x32, 0x4a],
  [0x1b, 0x5d, 0x30, 0x3b, 0x78, 0x07],
  [0x9b, 0x33, 0x31, 0x6d],
  [0xe2, 0x80, 0xae],
]

/** ASCII text, broken fragments and random bytes, in any order: what a misbehaving peer sends. */
const hostileBytes = fc
  .array(
    fc.oneof(
      { arbitrary: fc.constantFrom(...BROKEN_FRAGMENTS), weight: 4 },
      { arbitrary: fc.string({ maxLength: 6 }).map((text) => [...Buffer.from(text, 'latin1')]), weight: 2 },
      { arbitrary: fc.array(fc.nat({ max: 255 }), { maxLength: 4 }), weight: 1 },
    ),
    { maxLength: 24 },
  )
  .map((parts) => Uint8Array.from(parts.flat()))

const cuts = cutPositions(120, 10)

describe('invalid multibyte sequences from a peer, every supported encoding', () => {
  it(`all ${ENCODINGS.length} encodings: decoded in pieces without throwing, as the whole, well-formed, bounded`, () => {
    fc.assert(
      fc.property(fc.constantFrom(...ENCODINGS), hostileBytes, cuts, (encoding, bytes, positions) => {
        const decoder = createTextDecoder(encoding)
        let streamed = ''
        for (const piece of splitAt(bytes, positions)) streamed += decoder.write(piece)
        streamed += decoder.end()
        expect(streamed).toBe(decodeText(bytes, encoding))
        expect(streamed).not.toMatch(LONE_SURROGATE)
        // At most two UTF-16 units per byte (an astral character from 4 bytes is 2), plus one
        // U+FFFD for a character cut at the end: a peer cannot make the text outgrow its bytes.
        expect(streamed.length).toBeLessThanOrEqual(2 * bytes.length + 1)
      }),
      { numRuns: 10_000 },
    )
  })

  it('utf-16 takes its byte order from a leading mark only, else little-endian, however cut', () => {
    const cases: [number[], string][] = [
      [[0x61, 0x00, 0x62, 0x00], 'ab'],
      [[0xff, 0xfe, 0x61, 0x00, 0x62, 0x00], 'ab'],
      [[0xfe, 0xff, 0x00, 0x61, 0x00, 0x62], 'ab'],
      // Unmarked big-endian bytes are read little-endian: U+6100 U+6200, never guessed as 'ab'.
      [[0x00, 0x61, 0x00, 0x62], '\u6100\u6200'],
    ]
    for (const [bytes, text] of cases) {
      const decoder = createTextDecoder('utf-16')
      let streamed = ''
      for (const byte of bytes) streamed += decoder.write(Uint8Array.of(byte))
      expect(streamed + decoder.end()).toBe(text)
      expect(decodeText(Uint8Array.from(bytes), 'utf-16')).toBe(text)
    }
  })

  it('a decoder that ended starts afresh: the next stream decodes as with a new decoder', () => {
    fc.assert(
      fc.property(fc.constantFrom(...ENCODINGS), hostileBytes, hostileBytes, (encoding, first, second) => {
        const decoder = createTextDecoder(encoding)
        decoder.write(first)
        decoder.end()
        const again = decoder.write(second) + decoder.end()
        expect(again).toBe(decodeText(second, encoding))
      }),
      { numRuns: 3000 },
    )
  })

  it('whatever a peer sends, in any encoding, once escaped nothing can drive the terminal', () => {
    fc.assert(
      fc.property(fc.constantFrom(...ENCODINGS), hostileBytes, cuts, (encoding, bytes, positions) => {
        const decoder = createTextDecoder(encoding)
        let shown = ''
        for (const piece of splitAt(bytes, positions)) shown += escapeControlCharacters(decoder.write(piece))
        shown += escapeControlCharacters(decoder.end())
        expect(shown).not.toMatch(TERMINAL_UNSAFE)
        const text = decodeText(bytes, encoding)
        if (!TERMINAL_UNSAFE.test(text)) expect(shown).toBe(text)
      }),
      { numRuns: 5000 },
    )
  })

  it('escaping keeps every safe character, in order, and only adds visible escapes', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 60 }), (text) => {
        const shown = escapeControlCharacters(text)
        expect(shown).not.toMatch(TERMINAL_UNSAFE)
        expect(shown.replace(/\\(x[0-9a-f]{2}|u[0-9a-f]{4}|[tnr])/g, '')).toBe(
          text
            .replace(new RegExp(TERMINAL_UNSAFE.source, 'g'), '')
            .replace(/\\(x[0-9a-f]{2}|u[0-9a-f]{4}|[tnr])/g, ''),
        )
      }),
      { numRuns: 5000 },
    )
  })
})
