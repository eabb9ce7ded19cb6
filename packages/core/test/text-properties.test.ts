import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createTextDecoder, decodeText, encodeText, listEncodings } from '../src/index.js'
import { cutPositions, splitAt } from './helpers.js'

const ENCODING_NAMES = listEncodings().map((e) => e.name)
const CJK_AND_UNICODE = [
  'utf-8',
  'gb18030',
  'utf-16le',
  'utf-16be',
  'utf-16',
  'utf-32le',
  'utf-32be',
  'utf-32',
]
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/

/** Any well-formed string: every code point, astral planes included. */
/**
 * Any text but U+E5E5, which GB18030 cannot carry: the WHATWG encoder refuses it, and iconv-lite
 * gives it the code of U+F5F9 (8339B136), so it comes back as U+F5F9.
 */
const anyText = fc.string({ unit: 'binary', maxLength: 40 }).filter((text) => !text.includes('\ue5e5'))
const cuts = cutPositions(200, 8)

function decodeInPieces(pieces: readonly Uint8Array[], encoding: string): string {
  const decoder = createTextDecoder(encoding)
  let text = ''
  for (const piece of pieces) text += decoder.write(piece)
  return text + decoder.end()
}

/** Every character a double-byte encoding maps from one or two bytes and back, to build encodable strings. */
function encodableCharacters(encoding: string): string[] {
  const characters = new Set<string>()
  for (let byte = 0x20; byte < 0x7f; byte++) characters.add(String.fromCharCode(byte))
  for (let lead = 0x81; lead <= 0xfe; lead++) {
    for (let trail = 0x40; trail <= 0xfe; trail++) {
      const character = decodeText(Uint8Array.of(lead, trail), encoding)
      if (
        character.length === 1 &&
        character !== '\ufffd' &&
        decodeText(encodeText(character, encoding), encoding) === character
      ) {
        characters.add(character)
      }
    }
  }
  return [...characters]
}

describe('text round trips', () => {
  it.each(CJK_AND_UNICODE)('%s: any string encodes and decodes to itself', (encoding) => {
    fc.assert(
      fc.property(anyText, (text) => {
        expect(decodeText(encodeText(text, encoding), encoding)).toBe(text)
      }),
      { numRuns: 2000 },
    )
  })

  it.each(['gb2312', 'gbk', 'big5', 'shift_jis', 'euc-kr'])(
    '%s: any string of encodable characters encodes and decodes to itself, split anywhere',
    (encoding) => {
      const alphabet = encodableCharacters(encoding)
      expect(alphabet.length).toBeGreaterThan(5000)
      const text = fc.string({ unit: fc.constantFrom(...alphabet), maxLength: 40 })
      fc.assert(
        fc.property(text, cuts, (sample, positions) => {
          const bytes = encodeText(sample, encoding)
          expect(decodeText(bytes, encoding)).toBe(sample)
          expect(decodeInPieces(splitAt(bytes, positions), encoding)).toBe(sample)
        }),
        { numRuns: 2000 },
      )
    },
  )
})

describe('streaming decode', () => {
  it.each(CJK_AND_UNICODE)('%s: any split of an encoded string decodes to the whole string', (encoding) => {
    fc.assert(
      fc.property(anyText, cuts, (text, positions) => {
        expect(decodeInPieces(splitAt(encodeText(text, encoding), positions), encoding)).toBe(text)
      }),
      { numRuns: 2000 },
    )
  })

  it('every listed encoding: any split decodes as the whole does', () => {
    fc.assert(
      fc.property(fc.constantFrom(...ENCODING_NAMES), anyText, cuts, (encoding, text, positions) => {
        const bytes = encodeText(text, encoding)
        expect(decodeInPieces(splitAt(bytes, positions), encoding)).toBe(decodeText(bytes, encoding))
      }),
      { numRuns: 5000 },
    )
  })
})

describe('bytes from a peer', () => {
  it('every listed encoding: random bytes, split anywhere, decode without throwing to well-formed text', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...ENCODING_NAMES),
        fc.uint8Array({ maxLength: 64 }),
        cuts,
        (encoding, bytes, positions) => {
          const whole = decodeText(bytes, encoding)
          const streamed = decodeInPieces(splitAt(bytes, positions), encoding)
          expect(whole).not.toMatch(LONE_SURROGATE)
          expect(streamed).not.toMatch(LONE_SURROGATE)
          expect(streamed).toBe(whole)
        },
      ),
      { numRuns: 10_000 },
    )
  })

  it.each([
    'utf-8',
    'gb2312',
    'gbk',
    'gb18030',
    'big5',
    'shift_jis',
    'euc-jp',
    'euc-kr',
    'utf-16le',
    'utf-16be',
  ])('%s: random bytes decode the same split anywhere as whole', (encoding) => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), cuts, (bytes, positions) => {
        expect(decodeInPieces(splitAt(bytes, positions), encoding)).toBe(decodeText(bytes, encoding))
      }),
      { numRuns: 2000 },
    )
  })
})
