import { describe, expect, it } from 'vitest'
import {
  broadcastAddress,
  formatIP,
  hostRange,
  isBroadcastAddress,
  isNetworkAddress,
  lastAddress,
  netmask,
  networkAddress,
  parseCidr,
  parseIPv4,
  prefixContains,
} from '../src/address/index.js'
import { InvalidAddressError } from '../src/errors.js'

describe('parseCidr', () => {
  it.each([
    ['192.168.0.255/24', 4, 24],
    ['10.0.0.0/8', 4, 8],
    ['0.0.0.0/0', 4, 0],
    ['1.2.3.4', 4, 32],
    ['1.2.3.4/032', 4, 32],
    ['2001:db8::/32', 6, 32],
    ['::1', 6, 128],
    ['::/0', 6, 0],
  ])('%s is IPv%d /%d', (text, family, prefixLength) => {
    const cidr = parseCidr(text)
    expect(cidr.family).toBe(family)
    expect(cidr.prefixLength).toBe(prefixLength)
  })

  it.each([
    ['10.0.0.0/33', 'invalid prefix "10.0.0.0/33": prefix /33 is over 32 for IPv4'],
    ['::/129', 'prefix /129 is over 128 for IPv6'],
    ['10.0.0.0/', "the prefix length after '/' is empty"],
    ['10.0.0.0/a', 'prefix "/a" is not a decimal number'],
    ['10.0.0.0/-1', 'prefix "/-1" is not a decimal number'],
    ['10.0.0.0/8/8', 'prefix "/8/8" is not a decimal number'],
    ['10.0.0.0/255.0.0.0', 'is not a decimal number'],
    ['10.0.0.256/8', 'octet 256 is over 255'],
    ['/8', 'invalid IP address "": it is empty'],
    ['hello/8', 'invalid IP address "hello": expected IPv4 (192.0.2.1) or IPv6 (2001:db8::1)'],
  ])('%j is refused: %s', (text, reason) => {
    expect(() => parseCidr(text)).toThrow(InvalidAddressError)
    expect(() => parseCidr(text)).toThrow(reason)
  })
})

describe('IPv4 prefixes', () => {
  it.each([
    // text, network, broadcast, netmask, first, last, count
    [
      '192.168.0.255/24',
      '192.168.0.0',
      '192.168.0.255',
      '255.255.255.0',
      '192.168.0.1',
      '192.168.0.254',
      254n,
    ],
    ['10.0.0.0/8', '10.0.0.0', '10.255.255.255', '255.0.0.0', '10.0.0.1', '10.255.255.254', 16777214n],
    [
      '172.16.5.4/12',
      '172.16.0.0',
      '172.31.255.255',
      '255.240.0.0',
      '172.16.0.1',
      '172.31.255.254',
      1048574n,
    ],
    ['192.0.2.77/30', '192.0.2.76', '192.0.2.79', '255.255.255.252', '192.0.2.77', '192.0.2.78', 2n],
    ['0.0.0.0/0', '0.0.0.0', '255.255.255.255', '0.0.0.0', '0.0.0.1', '255.255.255.254', 4294967294n],
  ])('%s', (text, network, broadcast, mask, first, last, count) => {
    const cidr = parseCidr(text)
    expect(formatIP(networkAddress(cidr))).toBe(network)
    expect(formatIP(broadcastAddress(cidr)!)).toBe(broadcast)
    expect(formatIP(lastAddress(cidr))).toBe(broadcast)
    expect(formatIP(netmask(cidr))).toBe(mask)
    const hosts = hostRange(cidr)
    expect(formatIP(hosts.first)).toBe(first)
    expect(formatIP(hosts.last)).toBe(last)
    expect(hosts.count).toBe(count)
  })

  it('a /31 is a point-to-point link: both addresses are hosts, no broadcast (RFC 3021)', () => {
    const cidr = parseCidr('192.0.2.1/31')
    expect(formatIP(networkAddress(cidr))).toBe('192.0.2.0')
    expect(broadcastAddress(cidr)).toBeUndefined()
    const hosts = hostRange(cidr)
    expect([formatIP(hosts.first), formatIP(hosts.last), hosts.count]).toEqual(['192.0.2.0', '192.0.2.1', 2n])
    expect(isNetworkAddress(parseCidr('192.0.2.0/31'))).toBe(false)
    expect(isBroadcastAddress(parseCidr('192.0.2.1/31'))).toBe(false)
  })

  it('a /32 is one host', () => {
    const cidr = parseCidr('192.0.2.9/32')
    expect(broadcastAddress(cidr)).toBeUndefined()
    const hosts = hostRange(cidr)
    expect([formatIP(hosts.first), formatIP(hosts.last), hosts.count]).toEqual(['192.0.2.9', '192.0.2.9', 1n])
    expect(isNetworkAddress(cidr)).toBe(false)
    expect(isBroadcastAddress(cidr)).toBe(false)
  })

  it.each([
    ['192.168.0.0/24', true, false],
    ['192.168.0.255/24', false, true],
    ['192.168.0.1/24', false, false],
    ['10.0.0.0/8', true, false],
    ['10.0.255.255/8', false, false],
    ['10.0.255.255/16', false, true],
    ['172.31.255.255/12', false, true],
  ])('%s: network %s, broadcast %s', (text, network, broadcast) => {
    expect(isNetworkAddress(parseCidr(text))).toBe(network)
    expect(isBroadcastAddress(parseCidr(text))).toBe(broadcast)
  })
})

describe('IPv6 prefixes', () => {
  it.each([
    ['2001:db8::/32', '2001:db8::', '2001:db8:ffff:ffff:ffff:ffff:ffff:ffff', '2001:db8::1', 2n ** 96n - 1n],
    ['fe80::1/64', 'fe80::', 'fe80::ffff:ffff:ffff:ffff', 'fe80::1', 2n ** 64n - 1n],
    ['2001:db8::5/126', '2001:db8::4', '2001:db8::7', '2001:db8::5', 3n],
    ['2001:db8::5/127', '2001:db8::4', '2001:db8::5', '2001:db8::4', 2n],
    ['2001:db8::5/128', '2001:db8::5', '2001:db8::5', '2001:db8::5', 1n],
  ])('%s', (text, network, last, first, count) => {
    const cidr = parseCidr(text)
    expect(formatIP(networkAddress(cidr))).toBe(network)
    expect(formatIP(lastAddress(cidr))).toBe(last)
    expect(broadcastAddress(cidr)).toBeUndefined()
    const hosts = hostRange(cidr)
    expect(formatIP(hosts.first)).toBe(first)
    expect(formatIP(hosts.last)).toBe(last)
    expect(hosts.count).toBe(count)
  })

  it('the network address of a /64 is the Subnet-Router anycast address, not a host', () => {
    expect(isNetworkAddress(parseCidr('2001:db8::/64'))).toBe(true)
    expect(isNetworkAddress(parseCidr('2001:db8::/127'))).toBe(false)
    expect(isBroadcastAddress(parseCidr('2001:db8::ffff:ffff:ffff:ffff/64'))).toBe(false)
  })
})

describe('prefixContains and Cidr checks', () => {
  it('tells which addresses are inside', () => {
    const cidr = parseCidr('172.16.0.0/12')
    expect(prefixContains(cidr, parseIPv4('172.31.255.255'))).toBe(true)
    expect(prefixContains(cidr, parseIPv4('172.32.0.0'))).toBe(false)
    expect(prefixContains(cidr, new Uint8Array(16))).toBe(false)
  })

  it('refuses a hand-made Cidr that is inconsistent', () => {
    expect(() => networkAddress({ family: 4, bytes: new Uint8Array(16), prefixLength: 8 })).toThrow(
      InvalidAddressError,
    )
    expect(() => networkAddress({ family: 4, bytes: new Uint8Array(4), prefixLength: 33 })).toThrow(
      'prefix /33 is not in 0-32 for IPv4',
    )
  })
})
