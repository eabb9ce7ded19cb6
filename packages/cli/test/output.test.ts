import { describe, expect, it } from 'vitest'
import { parseInteger } from '../src/options/integer.js'
import { hexDump } from '../src/output/hex-dump.js'
import { toJsonLine } from '../src/output/json-line.js'
import { showPeerText } from '../src/output/peer-text.js'

describe('hexDump', () => {
  it('prints offsets, two groups of eight bytes and the printable ASCII, as hexdump -C', () => {
    expect(hexDump(Buffer.from('hello\x00\x1b world, again!'))).toEqual([
      '00000000  68 65 6c 6c 6f 00 1b 20  77 6f 72 6c 64 2c 20 61  |hello.. world, a|',
      '00000010  67 61 69 6e 21                                    |gain!|',
    ])
    expect(hexDump(new Uint8Array(0))).toEqual([])
  })
})

describe('showPeerText', () => {
  it("drops the message's own line ending and makes control characters visible", () => {
    expect(showPeerText('hi\r\n')).toBe('hi')
    expect(showPeerText('\x1b]0;pwned\x07title\n')).toBe('\\x1b]0;pwned\\x07title')
    expect(showPeerText('a\rb')).toBe('a\\rb')
  })

  it('keeps them with raw', () => {
    expect(showPeerText('\x1b[31mred\n', { raw: true })).toBe('\x1b[31mred')
  })
})

describe('toJsonLine', () => {
  it('escapes what JSON leaves raw but a terminal would act on, and stays parseable', () => {
    const text = 'a\x1b\x7f\u0085\u202eb'
    const line = toJsonLine({ text })
    expect(line).toBe('{"text":"a\\u001b\\u007f\\u0085\\u202eb"}')
    expect(JSON.parse(line)).toEqual({ text })
  })
})

describe('parseInteger', () => {
  it('takes whole decimal numbers in range only', () => {
    expect(parseInteger('42', '--count', { min: 1 })).toBe(42)
    for (const bad of ['0', '-1', '1.5', '1e3', '0x10', ' 5', '', '99999999999999999']) {
      expect(() => parseInteger(bad, '--count', { min: 1, max: 1000 })).toThrow(
        /--count takes a whole number/,
      )
    }
  })
})
