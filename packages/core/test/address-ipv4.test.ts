import { describe, expect, it } from 'vitest'
import { formatIPv4, intToIPv4, ipv4Class, ipv4ToInt, isIPv4, parseIPv4 } from '../src/address/index.js'
import { InvalidAddressError } from '../src/errors.js'

describe('parseIPv4', () => {
  it.each([
    ['0.0.0.0', [0, 0, 0, 0]],
    ['127.0.0.1', [127, 0, 0, 1]],
    ['192.168.0.255', [192, 168, 0, 255]],
    ['255.255.255.255', [255, 255, 255, 255]],
    ['10.0.0.0', [10, 0, 0, 0]],
  ])('%s is %j', (text, bytes) => {
    expect([...parseIPv4(text)]).toEqual(bytes)
    expect(isIPv4(text)).toBe(true)
  })

  it.each([
    ['256.1.1.1', 'octet 256 is over 255'],
    ['1.2.3.999', 'octet 999 is over 255'],
    ['1.2.3', "it has 3 parts separated by '.', needs 4"],
    ['1.2.3.4.5', 'it has 5 parts'],
    ['127.1', 'it has 2 parts'],
    ['01.2.3.4', 'octet "01" has a leading zero'],
    ['1.2.3.00', 'octet "00" has a leading zero'],
    ['1..3.4', 'octet 2 is empty'],
    ['1.2.3.4.', 'it has 5 parts'],
    ['1.2.3.a', 'octet "a" is not a decimal number'],
    ['1.2.3.-4', 'octet "-4" is not a decimal number'],
    [' 1.2.3.4', 'octet " 1" is not a decimal number'],
    ['1.2.3.4 ', 'octet "4 " is not a decimal number'],
    ['0x7f.0.0.1', 'octet "0x7f" is not a decimal number'],
    ['١.2.3.4', 'is not a decimal number'],
    ['', 'it is empty'],
    ['.1.2.3', 'octet 1 is empty'],
    ['localhost', 'it has 1 part'],
  ])('%j is refused: %s', (text, reason) => {
    expect(() => parseIPv4(text)).toThrow(InvalidAddressError)
    expect(() => parseIPv4(text)).toThrow(reason)
    expect(isIPv4(text)).toBe(false)
  })

  it('names the input in a one-line message', () => {
    expect(() => parseIPv4('256.1.1.1')).toThrow('invalid IPv4 address "256.1.1.1": octet 256 is over 255')
    expect(() => parseIPv4('1.2.3.4\n\x1b[2J')).toThrow('"1.2.3.4\\n\\u001b[2J"')
  })
})

describe('formatIPv4, ipv4ToInt, intToIPv4', () => {
  it('formats four bytes as dotted decimal', () => {
    expect(formatIPv4(Uint8Array.of(192, 0, 2, 1))).toBe('192.0.2.1')
    expect(() => formatIPv4(new Uint8Array(5))).toThrow('an IPv4 address is 4 bytes, got 5')
  })

  it.each([
    ['0.0.0.0', 0],
    ['0.0.0.1', 1],
    ['1.2.3.4', 0x01020304],
    ['127.0.0.1', 2130706433],
    ['128.0.0.0', 2147483648],
    ['255.255.255.255', 4294967295],
  ])('%s is %d, unsigned', (text, value) => {
    expect(ipv4ToInt(parseIPv4(text))).toBe(value)
    expect(formatIPv4(intToIPv4(value))).toBe(text)
  })

  it.each([-1, 4294967296, 1.5, Number.NaN])('intToIPv4(%d) is refused', (value) => {
    expect(() => intToIPv4(value)).toThrow(InvalidAddressError)
  })
})

describe('ipv4Class', () => {
  it.each([
    ['0.0.0.0', 'A'],
    ['10.1.2.3', 'A'],
    ['127.255.255.255', 'A'],
    ['128.0.0.0', 'B'],
    ['172.16.5.4', 'B'],
    ['191.255.0.1', 'B'],
    ['192.0.0.0', 'C'],
    ['223.255.255.255', 'C'],
    ['224.0.0.1', 'D'],
    ['239.255.255.250', 'D'],
    ['240.0.0.1', 'E'],
    ['255.255.255.255', 'E'],
  ])('%s is class %s', (text, expected) => {
    expect(ipv4Class(text)).toBe(expected)
    expect(ipv4Class(parseIPv4(text))).toBe(expected)
  })

  it('refuses what is not IPv4', () => {
    expect(() => ipv4Class('::1')).toThrow(InvalidAddressError)
    expect(() => ipv4Class(new Uint8Array(16))).toThrow('an IPv4 address is 4 bytes, got 16')
  })
})
