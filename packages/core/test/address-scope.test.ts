import { describe, expect, it } from 'vitest'
import { type AddressScope, addressScope, parseIPv6 } from '../src/address/index.js'
import { InvalidAddressError } from '../src/errors.js'

describe('addressScope', () => {
  it.each<[string, AddressScope]>([
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'reserved'],
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['10.0.0.0', 'private'],
    ['10.255.255.255', 'private'],
    ['172.16.5.4', 'private'],
    ['172.31.255.255', 'private'],
    ['172.32.0.1', 'global'],
    ['172.15.255.255', 'global'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'shared'],
    ['100.127.255.255', 'shared'],
    ['100.128.0.1', 'global'],
    ['169.254.1.1', 'link-local'],
    ['192.0.2.1', 'documentation'],
    ['198.51.100.7', 'documentation'],
    ['203.0.113.200', 'documentation'],
    ['198.18.0.1', 'reserved'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['240.0.0.1', 'reserved'],
    ['255.255.255.254', 'reserved'],
    ['255.255.255.255', 'broadcast'],
    ['8.8.8.8', 'global'],
    ['1.1.1.1', 'global'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['fe80::1', 'link-local'],
    ['febf:ffff::1', 'link-local'],
    ['fec0::1', 'global'],
    ['fc00::1', 'unique-local'],
    ['fd12:3456:789a::1', 'unique-local'],
    ['ff02::1', 'multicast'],
    ['2001:db8::1', 'documentation'],
    ['3fff::1', 'documentation'],
    ['2606:4700::1111', 'global'],
    ['::ffff:192.168.1.1', 'private'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:8.8.8.8', 'global'],
    ['::ffff:255.255.255.255', 'broadcast'],
  ])('%s is %s', (address, scope) => {
    expect(addressScope(address)).toBe(scope)
  })

  it('takes bytes too', () => {
    expect(addressScope(Uint8Array.of(10, 1, 2, 3))).toBe('private')
    expect(addressScope(parseIPv6('::1'))).toBe('loopback')
    expect(() => addressScope(new Uint8Array(5))).toThrow('an IP address is 4 or 16 bytes, got 5')
  })

  it('refuses what is not an address', () => {
    expect(() => addressScope('localhost')).toThrow(InvalidAddressError)
    expect(() => addressScope('10.0.0.0/8')).toThrow(InvalidAddressError)
  })
})
