import { describe, expect, it } from 'vitest'
import { expandIPv6, formatIPv6, isIPv4Mapped, isIPv6, parseIPv6 } from '../src/address/index.js'
import { InvalidAddressError } from '../src/errors.js'

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex')

describe('parseIPv6', () => {
  it.each([
    ['::', '00000000000000000000000000000000'],
    ['::1', '00000000000000000000000000000001'],
    ['1::', '00010000000000000000000000000000'],
    ['2001:db8::1', '20010db8000000000000000000000001'],
    ['2001:0db8:0000:0000:0000:0000:0000:0001', '20010db8000000000000000000000001'],
    ['2001:DB8::AbCd', '20010db800000000000000000000abcd'],
    ['fe80::1', 'fe800000000000000000000000000001'],
    ['1:2:3:4:5:6:7:8', '00010002000300040005000600070008'],
    ['1::2:3:4:5:6:7', '00010000000200030004000500060007'],
    ['1:2:3:4:5:6:7::', '00010002000300040005000600070000'],
    ['::ffff:1.2.3.4', '00000000000000000000ffff01020304'],
    ['::ffff:192.168.1.1', '00000000000000000000ffffc0a80101'],
    ['::1.2.3.4', '00000000000000000000000001020304'],
    ['64:ff9b::192.0.2.33', '0064ff9b0000000000000000c0000221'],
    ['1:2:3:4:5:6:1.2.3.4', '00010002000300040005000601020304'],
  ])('%s', (text, expected) => {
    expect(hex(parseIPv6(text))).toBe(expected)
    expect(isIPv6(text)).toBe(true)
  })

  it.each([
    ['', 'it is empty'],
    ['fe80::1%eth0', 'zone id "%eth0" is not supported'],
    [':::', "it has ':::'"],
    ['1::2::3', "'::' appears more than once"],
    ['1:2:3:4:5:6:7', 'it has 7 groups, needs 8'],
    ['1:2:3:4:5:6:7:8:9', 'it has 9 groups, needs 8'],
    ['1:2:3:4:5:6:7:8::', "it has 8 groups and '::', at most 7"],
    ['::1:2:3:4:5:6:7:8', "it has 8 groups and '::', at most 7"],
    ['12345::', 'group "12345" has more than 4 hex digits'],
    ['g::1', 'group "g" is not hexadecimal'],
    [':1::2', 'a group is empty'],
    ['1::2:', 'a group is empty'],
    ['1.2.3.4::', 'an embedded IPv4 address must be the last 32 bits'],
    ['::1.2.3.4:1', 'an embedded IPv4 address must be the last 32 bits'],
    ['::ffff:256.1.1.1', 'embedded IPv4 "256.1.1.1": octet 256 is over 255'],
    ['::ffff:01.2.3.4', 'has a leading zero'],
    ['1:2:3:4:5:6:7:1.2.3.4', 'it has 9 groups'],
    ['[::1]', 'is not hexadecimal'],
    [' ::1', 'is not hexadecimal'],
  ])('%j is refused: %s', (text, reason) => {
    expect(() => parseIPv6(text)).toThrow(InvalidAddressError)
    expect(() => parseIPv6(text)).toThrow(reason)
    expect(isIPv6(text)).toBe(false)
  })
})

describe('formatIPv6 (RFC 5952)', () => {
  it.each([
    // 4.1: no leading zeros
    ['2001:0db8::0001', '2001:db8::1'],
    ['2001:db8:aaaa:bbbb:cccc:dddd:eeee:0001', '2001:db8:aaaa:bbbb:cccc:dddd:eeee:1'],
    // 4.2.1: shorten as much as possible
    ['2001:db8:0:0:0:0:2:1', '2001:db8::2:1'],
    ['2001:db8::0:1', '2001:db8::1'],
    // 4.2.2: a single zero group is not '::'
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
    // 4.2.3: the longest run; the first of equal runs
    ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    // 4.3: lowercase
    ['2001:DB8::AAAA', '2001:db8::aaaa'],
    // 5: IPv4-mapped in mixed notation
    ['0:0:0:0:0:ffff:c000:0201', '::ffff:192.0.2.1'],
    ['::ffff:0.0.0.0', '::ffff:0.0.0.0'],
    // the ends
    ['0:0:0:0:0:0:0:0', '::'],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['1:0:0:0:0:0:0:0', '1::'],
    ['fe80:0:0:0:0:0:0:1', 'fe80::1'],
    ['1:0:2:0:3:0:4:0', '1:0:2:0:3:0:4:0'],
    ['0:1:0:0:2:0:0:0', '0:1:0:0:2::'],
    // embedded IPv4 that is not mapped is written in hex
    ['::1.2.3.4', '::102:304'],
  ])('%s is written %s', (text, expected) => {
    expect(formatIPv6(parseIPv6(text))).toBe(expected)
  })

  it('refuses a wrong length', () => {
    expect(() => formatIPv6(new Uint8Array(4))).toThrow('an IPv6 address is 16 bytes, got 4')
  })
})

describe('expandIPv6 and isIPv4Mapped', () => {
  it.each([
    ['::', '0000:0000:0000:0000:0000:0000:0000:0000'],
    ['::1', '0000:0000:0000:0000:0000:0000:0000:0001'],
    ['2001:db8::1', '2001:0db8:0000:0000:0000:0000:0000:0001'],
    ['::ffff:192.168.1.1', '0000:0000:0000:0000:0000:ffff:c0a8:0101'],
  ])('%s expands to %s', (text, expected) => {
    expect(expandIPv6(parseIPv6(text))).toBe(expected)
  })

  it('tells mapped addresses apart', () => {
    expect(isIPv4Mapped(parseIPv6('::ffff:10.0.0.1'))).toBe(true)
    expect(isIPv4Mapped(parseIPv6('::10.0.0.1'))).toBe(false)
    expect(isIPv4Mapped(parseIPv6('1::ffff:10.0.0.1'))).toBe(false)
  })
})
