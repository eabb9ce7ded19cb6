import { describe, expect, it } from 'vitest'
import {
  canEncode,
  createTextDecoder,
  decodeText,
  encodeText,
  escapeControlCharacters,
  isProtolabError,
  listEncodings,
  normalizeEncoding,
  UnknownEncodingError,
} from '../src/index.js'
import { bytesOf, hexOf } from './helpers.js'

/** Decodes `bytes` fed one byte per write, the worst split a stream can produce. */
function decodeByteByByte(bytes: Uint8Array, encoding: string): string {
  const decoder = createTextDecoder(encoding)
  let text = ''
  for (let i = 0; i < bytes.length; i++) text += decoder.write(bytes.subarray(i, i + 1))
  return text + decoder.end()
}

describe('normalizeEncoding', () => {
  it.each([
    ['utf8', 'utf-8'],
    ['UTF-8', 'utf-8'],
    ['GB2312', 'gb2312'],
    ['gb_2312', 'gb2312'],
    ['EUC-CN', 'gb2312'],
    ['cp936', 'gb2312'],
    ['GBK', 'gbk'],
    ['GB18030', 'gb18030'],
    ['Big5', 'big5'],
    ['Shift-JIS', 'shift_jis'],
    ['sjis', 'shift_jis'],
    ['ISO-8859-1', 'latin1'],
    ['latin1', 'latin1'],
    ['UTF-16LE', 'utf-16le'],
    ['ucs2', 'utf-16le'],
    ['windows-1252', 'windows-1252'],
    ['ISO-8859-15', 'iso-8859-15'],
  ])('%s is %s', (name, canonical) => {
    expect(normalizeEncoding(name)).toBe(canonical)
  })

  it.each(['klingon', '', 'utf-9', 'hex', 'base64', '_internal'])(
    'refuses "%s" with ERR_UNKNOWN_ENCODING',
    (name) => {
      expect(() => normalizeEncoding(name)).toThrow(UnknownEncodingError)
      try {
        normalizeEncoding(name)
      } catch (error) {
        expect(isProtolabError(error, 'ERR_UNKNOWN_ENCODING')).toBe(true)
      }
    },
  )

  it('refuses an unknown encoding in every text function', () => {
    expect(() => encodeText('a', 'nope')).toThrow(UnknownEncodingError)
    expect(() => decodeText(new Uint8Array(1), 'nope')).toThrow(UnknownEncodingError)
    expect(() => createTextDecoder('nope')).toThrow(UnknownEncodingError)
  })
})

describe('listEncodings', () => {
  const encodings = listEncodings()

  it('starts with the encodings people ask for', () => {
    expect(encodings.slice(0, 3).map((e) => e.name)).toEqual(['utf-8', 'utf-16le', 'utf-16be'])
    const names = encodings.map((e) => e.name)
    for (const name of [
      'gb2312',
      'gbk',
      'gb18030',
      'big5',
      'shift_jis',
      'euc-jp',
      'euc-kr',
      'latin1',
      'ascii',
    ]) {
      expect(names).toContain(name)
    }
  })

  it('names each encoding once, and every name and alias normalizes to it', () => {
    const names = encodings.map((e) => e.name)
    expect(new Set(names).size).toBe(names.length)
    for (const { name, aliases } of encodings) {
      expect(normalizeEncoding(name)).toBe(name)
      for (const alias of aliases) expect(normalizeEncoding(alias)).toBe(name)
    }
  })

  it('leaves out table entries that are not text encodings', () => {
    const everyName = encodings.flatMap((e) => [e.name, ...e.aliases])
    expect(everyName).not.toContain('hex')
    expect(everyName).not.toContain('base64')
  })

  it('lists only encodings that round-trip text', () => {
    for (const { name } of encodings) expect(decodeText(encodeText('abc', name), name)).toBe('abc')
  })

  it('returns a copy the caller may change', () => {
    const first = listEncodings()
    first.length = 0
    expect(listEncodings().length).toBe(encodings.length)
  })
})

describe('encodeText and decodeText', () => {
  it.each([
    ['gb2312', '你好', 'c4e3bac3'],
    ['gb2312', '中文', 'd6d0cec4'],
    ['gbk', '中文', 'd6d0cec4'],
    ['gb18030', '😀', '9439fc36'],
    ['big5', '中文', 'a4a4a4e5'],
    ['shift_jis', '日本', '93fa967b'],
    ['euc-jp', '中文', 'c3e6cab8'],
    ['euc-kr', '中文', 'f1e9d9fe'],
    ['utf-8', '中文', 'e4b8ade69687'],
    ['utf-16le', 'a中', '61002d4e'],
    ['utf-16be', 'a中', '00614e2d'],
    ['utf-16', 'a', 'fffe6100'],
    ['latin1', 'café', '636166e9'],
  ])('%s: "%s" is %s', (encoding, text, bytesHex) => {
    expect(hexOf(encodeText(text, encoding))).toBe(bytesHex)
    expect(decodeText(bytesOf(bytesHex), encoding)).toBe(text)
  })

  it('decodes from a Buffer and from a plain Uint8Array view alike', () => {
    const backing = new Uint8Array([0xff, 0xe4, 0xb8, 0xad, 0xff])
    expect(decodeText(backing.subarray(1, 4), 'utf-8')).toBe('中')
    expect(decodeText(Buffer.from(backing.subarray(1, 4)), 'utf-8')).toBe('中')
    expect(decodeText(bytesOf('ffd6d0ff').subarray(1, 3), 'gb2312')).toBe('中')
  })

  it('substitutes what an encoding cannot represent, and canEncode says so', () => {
    expect(hexOf(encodeText('a😀', 'gb2312'))).toBe('613f')
    expect(canEncode('a😀', 'gb2312')).toBe(false)
    expect(canEncode('你好', 'gb2312')).toBe(true)
    expect(canEncode('😀', 'gb18030')).toBe(true)
  })

  it('keeps a leading byte order mark as U+FEFF, except where it chooses the byte order', () => {
    expect(decodeText(bytesOf('efbbbf61'), 'utf-8')).toBe('\ufeffa')
    expect(decodeText(Buffer.from(bytesOf('efbbbf61')), 'utf-8')).toBe('\ufeffa')
    expect(decodeText(bytesOf('fffe6100'), 'utf-16le')).toBe('\ufeffa')
    expect(decodeText(bytesOf('feff0061'), 'utf-16')).toBe('a')
    expect(decodeText(encodeText('\ufeffa', 'utf-8'), 'utf-8')).toBe('\ufeffa')
  })

  it.each([
    ['utf-8', '61ff62', 'a\ufffdb'],
    ['utf-8', '61e4b8', 'a\ufffd'],
    ['gb2312', '618120', 'a\ufffd '],
    ['big5', '6181', 'a\ufffd'],
    ['shift_jis', '6181', 'a\ufffd'],
    ['utf-16le', '6100', 'a'],
    ['utf-16le', '610062', 'a\ufffd'],
    ['utf-16le', '3dd86100', '\ufffda'],
    ['utf-16be', 'd83d', '\ufffd'],
    // A four-byte sequence past U+10FFFF is one invalid sequence (WHATWG); iconv-lite alone made it
    // two lone surrogates, so two U+FFFD. More in text-gb18030.test.ts.
    ['gb18030', 'e3329a36', '\ufffd'],
  ])('%s: invalid or truncated %s decodes to %j', (encoding, bytesHex, text) => {
    expect(decodeText(bytesOf(bytesHex), encoding)).toBe(text)
  })

  it('refuses a value that is not text or bytes', () => {
    expect(() => encodeText(42 as unknown as string, 'utf-8')).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
    )
    expect(() => decodeText('abc' as unknown as Uint8Array, 'utf-8')).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
    )
  })
})

describe('createTextDecoder', () => {
  const text = 'a中文 😀 b'

  it.each([
    'utf-8',
    'gb18030',
    'utf-16le',
    'utf-16be',
    'utf-16',
    'utf-32le',
    'utf-32',
    'utf-7',
    'utf-7-imap',
    'cesu-8',
  ])('%s: a character split across writes is decoded whole', (encoding) => {
    const bytes = encodeText(text, encoding)
    expect(decodeByteByByte(bytes, encoding)).toBe(text)
  })

  it.each([
    ['gb2312', '你好，世界'],
    ['gbk', '你好，世界'],
    ['big5', '中文字'],
    ['shift_jis', '日本語テキスト'],
    ['euc-jp', '日本語'],
    ['euc-kr', '한국어'],
  ])('%s: "%s" fed one byte per write', (encoding, sample) => {
    expect(decodeByteByByte(encodeText(sample, encoding), encoding)).toBe(sample)
  })

  it('holds the first half of a GB2312 character until the second arrives', () => {
    const decoder = createTextDecoder('gb2312')
    expect(decoder.write(bytesOf('61d6'))).toBe('a')
    expect(decoder.write(bytesOf('d0'))).toBe('中')
    expect(decoder.end()).toBe('')
  })

  it('ends a stream cut inside a character with U+FFFD, then starts afresh', () => {
    for (const [encoding, cut] of [
      ['utf-8', 'e4b8'],
      ['gb2312', 'd6'],
      ['utf-16le', '61'],
      ['utf-16be', 'd83d'],
    ] as const) {
      const decoder = createTextDecoder(encoding)
      expect(decoder.write(bytesOf(cut)) + decoder.end()).toBe('\ufffd')
      expect(decoder.write(encodeText('ok', encoding)) + decoder.end()).toBe('ok')
    }
  })

  it('does not invent a "+" when a UTF-7 section ends at the start of a chunk', () => {
    const split = createTextDecoder('utf-7')
    const bytes = encodeText('x中y', 'utf-7')
    const dash = bytes.indexOf(0x2d)
    expect(split.write(bytes.subarray(0, dash)) + split.write(bytes.subarray(dash)) + split.end()).toBe(
      'x中y',
    )
    const literalPlus = createTextDecoder('utf-7')
    expect(literalPlus.write(bytesOf('2b')) + literalPlus.write(bytesOf('2d')) + literalPlus.end()).toBe('+')
  })
})

describe('escapeControlCharacters', () => {
  it.each([
    ['plain text', 'plain text'],
    ['中文 😀 café', '中文 😀 café'],
    ['\x1b[2J\x1b]0;title\x07', '\\x1b[2J\\x1b]0;title\\x07'],
    ['a\r\nb\tc', 'a\\r\\nb\\tc'],
    ['\x00\x7f', '\\x00\\x7f'],
    ['\x85\x9b31m', '\\x85\\x9b31m'],
    ['evil\u202etxt.exe', 'evil\\u202etxt.exe'],
    ['line\u2028sep', 'line\\u2028sep'],
    ['back\\slash', 'back\\slash'],
  ])('%j is shown as %j', (input, shown) => {
    expect(escapeControlCharacters(input)).toBe(shown)
  })

  it('leaves no control character in its output', () => {
    let every = ''
    for (let code = 0; code <= 0xa0; code++) every += String.fromCharCode(code)
    expect(escapeControlCharacters(every)).not.toMatch(/[\x00-\x1f\x7f-\x9f]/)
  })
})
