import fc from 'fast-check'
import iconv from 'iconv-lite'
import { describe, expect, it } from 'vitest'
import { createTextDecoder, decodeText, encodeText, type StreamingTextDecoder } from '../src/index.js'
import { type IconvEncoding, resolveEncoding } from '../src/text/encodings.js'
import { IconvStreamDecoder } from '../src/text/text-decoder.js'
import { bytesOf, cutPositions, splitAt } from './helpers.js'

/**
 * The GB family decoded by Node's ICU (src/text/gb18030-icu.ts) against iconv-lite, which decoded it
 * before and still does on a Node without full ICU, and against the WHATWG gb18030 decoder that
 * states what ICU does with invalid bytes.
 */

const GB_ENCODINGS = ['gb2312', 'gbk', 'gb18030'] as const
const HAS_ICU_GB18030 = (() => {
  try {
    new TextDecoder('gb18030')
    return true
  } catch {
    return false
  }
})()

/** The two-byte codes GB18030-2022 moved to standard characters, with their 2005 private-use ones. */
const MOVED_CODES: readonly (readonly [string, string, string])[] = [
  // [two-byte code, its GB18030-2005 character, the four-byte code of the 2022 character]
  ['a6d9', '\ue78d', '84318236'],
  ['a6f3', '\ue796', '84318335'],
  ['fe59', '\ue81e', '82359037'],
  ['fea0', '\ue864', '82359134'],
]

function decodeInPieces(decoder: StreamingTextDecoder, pieces: readonly Uint8Array[]): string {
  let text = ''
  for (const piece of pieces) text += decoder.write(piece)
  return text + decoder.end()
}

function viaIconv(encoding: string): StreamingTextDecoder {
  return new IconvStreamDecoder(resolveEncoding(encoding) as IconvEncoding)
}

const encodable = new Map<string, string[]>()

/** Every BMP character iconv-lite itself encodes in `encoding` and decodes back. */
function encodableCharacters(encoding: string): string[] {
  let characters = encodable.get(encoding)
  if (characters === undefined) {
    characters = []
    for (let code = 0; code <= 0xffff; code++) {
      if (code >= 0xd800 && code <= 0xdfff) continue
      const character = String.fromCharCode(code)
      if (iconv.decode(iconv.encode(character, encoding), encoding) === character) characters.push(character)
    }
    encodable.set(encoding, characters)
  }
  return characters
}

const inRange = (byte: number, low: number, high: number): boolean => byte >= low && byte <= high

/**
 * The WHATWG Encoding Standard's gb18030 decoder (https://encoding.spec.whatwg.org/#gb18030-decoder),
 * step by step, with iconv-lite's GB18030-2005 table for the characters: what the GB family decodes
 * to through ICU, invalid bytes included.
 */
function whatwgGb18030(bytes: Uint8Array): string {
  const queue = [...bytes]
  let text = ''
  let first = 0
  let second = 0
  let third = 0
  for (;;) {
    const byte = queue.shift()
    if (byte === undefined) return first !== 0 ? `${text}\ufffd` : text
    if (third !== 0) {
      if (!inRange(byte, 0x30, 0x39)) {
        queue.unshift(second, third, byte)
        text += '\ufffd'
      } else {
        const pointer = (((first - 0x81) * 10 + second - 0x30) * 126 + third - 0x81) * 10 + byte - 0x30
        const valid = pointer <= 39419 || (pointer >= 189000 && pointer <= 1237575)
        text += valid ? iconv.decode(Buffer.from([first, second, third, byte]), 'gb18030') : '\ufffd'
      }
      first = second = third = 0
    } else if (second !== 0) {
      if (inRange(byte, 0x81, 0xfe)) {
        third = byte
      } else {
        queue.unshift(second, byte)
        first = second = 0
        text += '\ufffd'
      }
    } else if (first !== 0) {
      if (inRange(byte, 0x30, 0x39)) {
        second = byte
        continue
      }
      const lead = first
      first = 0
      // Every pair with a trail byte is in the table (private-use characters included).
      if (inRange(byte, 0x40, 0x7e) || inRange(byte, 0x80, 0xfe)) {
        text += iconv.decode(Buffer.from([lead, byte]), 'gb18030')
      } else {
        if (byte < 0x80) queue.unshift(byte)
        text += '\ufffd'
      }
    } else if (byte < 0x80) {
      text += String.fromCharCode(byte)
    } else if (byte === 0x80) {
      text += '\u20ac'
    } else if (inRange(byte, 0x81, 0xfe)) {
      first = byte
    } else {
      text += '\ufffd'
    }
  }
}

const lead = fc.integer({ min: 0x81, max: 0xfe })
const digit = fc.integer({ min: 0x30, max: 0x39 })
/** Bytes that are mostly GB-shaped: characters, their pieces, moved codes and bytes that end them. */
const gbBytes = fc
  .array(
    fc.oneof(
      fc.tuple(lead, fc.integer({ min: 0x40, max: 0xfe })),
      fc.tuple(lead, digit, lead, digit),
      // Four-byte codes near the edges: U+FFFF, the gap after it, the astral planes, past U+10FFFF.
      fc.tuple(fc.constantFrom(0x84, 0x85, 0x8f, 0x90, 0xe3, 0xfe), digit, lead, digit),
      fc.constantFrom(...MOVED_CODES.flatMap(([two, , four]) => [[...bytesOf(two)], [...bytesOf(four)]])),
      fc.tuple(lead, digit),
      fc.tuple(lead, digit, lead),
      fc.constantFrom(0x00, 0x0a, 0x20, 0x30, 0x39, 0x41, 0x7f, 0x80, 0x81, 0xa6, 0xfe, 0xff).map((b) => [b]),
      fc.nat({ max: 255 }).map((b) => [b]),
    ),
    { maxLength: 24 },
  )
  .map((parts) => Uint8Array.from(parts.flat()))
const cuts = cutPositions(100, 10)

describe.runIf(HAS_ICU_GB18030)('GB family through ICU: valid text decodes as iconv-lite decodes it', () => {
  it.each(['gb2312', 'gbk'])(
    '%s: any encodable text, split anywhere, decodes the same through ICU and iconv-lite',
    (encoding) => {
      const alphabet = encodableCharacters(encoding)
      expect(alphabet.length).toBeGreaterThan(20_000)
      const moved = MOVED_CODES.map(([, privateUse]) => privateUse).filter((c) => alphabet.includes(c))
      const character =
        moved.length > 0
          ? fc.oneof(fc.constantFrom(...alphabet), fc.constantFrom(...moved))
          : fc.constantFrom(...alphabet)
      fc.assert(
        fc.property(fc.string({ unit: character, maxLength: 60 }), cuts, (text, positions) => {
          const bytes = encodeText(text, encoding)
          const pieces = splitAt(bytes, positions)
          const icu = decodeInPieces(createTextDecoder(encoding), pieces)
          expect(icu).toBe(decodeInPieces(viaIconv(encoding), pieces))
          expect(icu).toBe(text)
          expect(decodeText(bytes, encoding)).toBe(text)
        }),
        { numRuns: 3000 },
      )
    },
  )

  it('gb18030: any string, split anywhere, decodes the same through ICU and iconv-lite', () => {
    const special = fc.constantFrom(
      ...MOVED_CODES.map(([, privateUse]) => privateUse),
      '\ufe10',
      '\u9fb4',
      '\u20ac',
      '\u3000',
    )
    // Not U+E5E5: iconv-lite encodes it as 8339B136, which it (and ICU) decodes as U+F5F9.
    const anyCharacter = fc
      .string({ unit: 'binary', minLength: 1, maxLength: 1 })
      .filter((character) => character !== '\ue5e5')
    const text = fc.string({
      unit: fc.oneof({ arbitrary: anyCharacter, weight: 9 }, { arbitrary: special, weight: 1 }),
      maxLength: 40,
    })
    fc.assert(
      fc.property(text, cuts, (sample, positions) => {
        const bytes = encodeText(sample, 'gb18030')
        const pieces = splitAt(bytes, positions)
        const icu = decodeInPieces(createTextDecoder('gb18030'), pieces)
        expect(icu).toBe(decodeInPieces(viaIconv('gb18030'), pieces))
        expect(icu).toBe(sample)
      }),
      { numRuns: 3000 },
    )
  })

  it.each(GB_ENCODINGS)('%s: every character iconv-lite encodes decodes back the same way', (encoding) => {
    for (const character of encodableCharacters(encoding)) {
      const bytes = encodeText(character, encoding)
      expect(decodeText(bytes, encoding), `U+${character.charCodeAt(0).toString(16)}`).toBe(character)
    }
  })

  it.each(GB_ENCODINGS)(
    '%s: every two-byte code iconv-lite maps decodes to the same character',
    (encoding) => {
      let mapped = 0
      for (let first = 0x81; first <= 0xfe; first++) {
        for (let trail = 0x40; trail <= 0xfe; trail++) {
          if (trail === 0x7f) continue
          const pair = Uint8Array.of(first, trail)
          const expected = iconv.decode(Buffer.from(pair), encoding)
          if (expected.includes('\ufffd')) continue
          mapped++
          expect(decodeText(pair, encoding), `${first.toString(16)}${trail.toString(16)}`).toBe(expected)
        }
      }
      expect(mapped).toBeGreaterThan(21_000)
    },
  )
})

describe.runIf(HAS_ICU_GB18030)('GB family through ICU: invalid bytes as the WHATWG gb18030 decoder', () => {
  it('gb2312, gbk, gb18030: any bytes, split anywhere, decode as WHATWG gb18030 with the 2005 table', () => {
    fc.assert(
      fc.property(fc.constantFrom(...GB_ENCODINGS), gbBytes, cuts, (encoding, bytes, positions) => {
        const expected = whatwgGb18030(bytes)
        expect(decodeText(bytes, encoding)).toBe(expected)
        expect(decodeInPieces(createTextDecoder(encoding), splitAt(bytes, positions))).toBe(expected)
      }),
      { numRuns: 20_000 },
    )
  })

  it.each([
    // An ASCII byte after a lead byte is read again as itself; any other invalid byte goes with it.
    ['8120', '\ufffd '],
    ['81ff41', '\ufffdA'],
    ['ff', '\ufffd'],
    ['80', '\u20ac'],
    // A cut four-byte sequence: one U+FFFD at the end, or its bytes read again when another follows.
    ['8130', '\ufffd'],
    ['813081', '\ufffd'],
    ['813041', '\ufffd0A'],
    ['81308141', '\ufffd0\u4e04'],
    // Four-byte codes: U+0080, U+FFFF, the unassigned gap after U+FFFF, U+10000, past U+10FFFF.
    ['81308130', '\u0080'],
    ['8431a439', '\uffff'],
    ['8431a530', '\ufffd'],
    ['90308130', '\u{10000}'],
    ['e3329a36', '\ufffd'],
    // A moved two-byte code keeps its 2005 private-use character; the four-byte code of the
    // standard character is that character.
    ['a6d9', '\ue78d'],
    ['84318236', '\ufe10'],
    ['fe59', '\ue81e'],
    ['82359037', '\u9fb4'],
    // A byte order mark is kept.
    ['8431953361', '\ufeffa'],
  ])('%s decodes to %j in gb2312, gbk and gb18030 alike', (bytesHex, text) => {
    for (const encoding of GB_ENCODINGS) {
      expect(decodeText(bytesOf(bytesHex), encoding)).toBe(text)
      const bytes = bytesOf(bytesHex)
      const byteByByte = createTextDecoder(encoding)
      let streamed = ''
      for (let i = 0; i < bytes.length; i++) streamed += byteByByte.write(bytes.subarray(i, i + 1))
      expect(streamed + byteByByte.end()).toBe(text)
    }
  })

  it('gb2312 and gbk decode user-defined codes to private-use characters and four-byte codes too', () => {
    expect(decodeText(bytesOf('aaa1'), 'gb2312')).toBe('\ue000')
    expect(decodeText(bytesOf('9439fc36'), 'gbk')).toBe('😀')
    expect(decodeText(bytesOf('9439fc36'), 'gb2312')).toBe('😀')
  })

  it('a four-byte start cut at the end of a chunk, then invalid bytes, decodes without throwing', () => {
    // Node's streaming TextDecoder throws ERR_ENCODING_INVALID_ENCODED_DATA on these splits.
    for (const [pieces, text] of [
      [['8130', '20'], '\ufffd0 '],
      [['8130', 'ff'], '\ufffd0\ufffd'],
      [['813081', '20'], '\ufffd0\ufffd '],
      [['813081', 'd0'], '\ufffd0\u4f47'],
      [['813081', '20'.repeat(2000)], `\ufffd0\ufffd${' '.repeat(2000)}`],
    ] as const) {
      expect(decodeInPieces(createTextDecoder('gb18030'), pieces.map(bytesOf))).toBe(text)
    }
  })

  it('holds a cut character until it is whole, and no more', () => {
    const decoder = createTextDecoder('gb18030')
    expect(decoder.write(bytesOf('61d6'))).toBe('a')
    expect(decoder.write(bytesOf('d0 9439'))).toBe('中')
    expect(decoder.write(bytesOf('fc'))).toBe('')
    expect(decoder.write(bytesOf('36 a6'))).toBe('😀')
    expect(decoder.write(bytesOf('d9'))).toBe('\ue78d')
    expect(decoder.end()).toBe('')
  })

  it('keeps its own copy of a cut character, so the caller may reuse its buffer', () => {
    const decoder = createTextDecoder('gbk')
    const buffer = Buffer.from('61d6', 'hex')
    expect(decoder.write(buffer)).toBe('a')
    buffer.fill(0)
    expect(decoder.write(bytesOf('d0'))).toBe('中')
  })
})
