import { describe, expect, it } from 'vitest'
import { type AddressDescription, describeAddress } from '../src/address/index.js'
import { InvalidAddressError } from '../src/errors.js'

const FIELDS = [
  'family',
  'address',
  'prefix',
  'class',
  'network',
  'broadcast',
  'firstHost',
  'lastHost',
  'hostCount',
  'scope',
  'isNetworkAddress',
  'isBroadcastAddress',
  'usableAsHost',
  'expanded',
  'compressed',
]

describe('describeAddress', () => {
  it('has exactly the fields of `protolab ip --json`, and survives JSON unchanged', () => {
    for (const input of ['192.168.0.255/24', '2001:db8::/32', '::1']) {
      const description = describeAddress(input)
      expect(Object.keys(description).sort()).toEqual([...FIELDS].sort())
      expect(JSON.parse(JSON.stringify(description))).toEqual(description)
    }
  })

  it.each<[string, Partial<AddressDescription>]>([
    [
      '192.168.0.255/24',
      {
        family: 'IPv4',
        address: '192.168.0.255',
        prefix: 24,
        class: 'C',
        network: '192.168.0.0',
        broadcast: '192.168.0.255',
        firstHost: '192.168.0.1',
        lastHost: '192.168.0.254',
        hostCount: 254,
        scope: 'private',
        isNetworkAddress: false,
        isBroadcastAddress: true,
        usableAsHost: false,
        expanded: null,
        compressed: null,
      },
    ],
    [
      '10.0.0.0/8',
      {
        class: 'A',
        network: '10.0.0.0',
        broadcast: '10.255.255.255',
        hostCount: 16777214,
        isNetworkAddress: true,
        isBroadcastAddress: false,
        usableAsHost: false,
      },
    ],
    [
      '172.16.5.4/12',
      {
        class: 'B',
        network: '172.16.0.0',
        broadcast: '172.31.255.255',
        firstHost: '172.16.0.1',
        lastHost: '172.31.255.254',
        hostCount: 1048574,
        scope: 'private',
        usableAsHost: true,
      },
    ],
    [
      '192.168.0.255',
      {
        prefix: 32,
        class: 'C',
        network: '192.168.0.255',
        broadcast: null,
        firstHost: '192.168.0.255',
        lastHost: '192.168.0.255',
        hostCount: 1,
        isBroadcastAddress: false,
        usableAsHost: true,
      },
    ],
    [
      '192.0.2.0/31',
      { broadcast: null, firstHost: '192.0.2.0', lastHost: '192.0.2.1', hostCount: 2, usableAsHost: true },
    ],
    ['169.254.1.1', { scope: 'link-local', class: 'B', usableAsHost: true }],
    ['224.0.0.1', { scope: 'multicast', class: 'D', usableAsHost: false }],
    ['255.255.255.255', { scope: 'broadcast', class: 'E', usableAsHost: false }],
    ['240.0.0.1', { scope: 'reserved', class: 'E', usableAsHost: false }],
    ['0.0.0.0', { scope: 'unspecified', class: 'A', usableAsHost: false }],
    [
      '100.64.0.1/10',
      { scope: 'shared', network: '100.64.0.0', broadcast: '100.127.255.255', usableAsHost: true },
    ],
    ['127.0.0.1/8', { scope: 'loopback', usableAsHost: true, hostCount: 16777214 }],
    ['0.0.0.0/0', { hostCount: 4294967294, broadcast: '255.255.255.255', isNetworkAddress: true }],
    [
      '::1',
      {
        family: 'IPv6',
        address: '::1',
        prefix: 128,
        class: null,
        network: '::1',
        broadcast: null,
        firstHost: '::1',
        lastHost: '::1',
        hostCount: 1,
        scope: 'loopback',
        isNetworkAddress: false,
        isBroadcastAddress: false,
        usableAsHost: true,
        expanded: '0000:0000:0000:0000:0000:0000:0000:0001',
        compressed: '::1',
      },
    ],
    [
      '2001:db8::/32',
      {
        network: '2001:db8::',
        firstHost: '2001:db8::1',
        lastHost: '2001:db8:ffff:ffff:ffff:ffff:ffff:ffff',
        hostCount: '79228162514264337593543950335',
        scope: 'documentation',
        isNetworkAddress: true,
        usableAsHost: false,
      },
    ],
    [
      'fe80::1/64',
      { scope: 'link-local', network: 'fe80::', hostCount: '18446744073709551615', usableAsHost: true },
    ],
    ['2001:db8::/76', { hostCount: 2 ** 52 - 1 }],
    ['2001:db8::/75', { hostCount: Number.MAX_SAFE_INTEGER }],
    ['2001:db8::/74', { hostCount: '18014398509481983' }],
    [
      '::ffff:192.168.1.1',
      {
        family: 'IPv6',
        address: '::ffff:192.168.1.1',
        class: null,
        scope: 'private',
        expanded: '0000:0000:0000:0000:0000:ffff:c0a8:0101',
        compressed: '::ffff:192.168.1.1',
      },
    ],
    [
      '2001:0DB8:0000:0000:0000:0000:0000:0001',
      {
        address: '2001:db8::1',
        compressed: '2001:db8::1',
        expanded: '2001:0db8:0000:0000:0000:0000:0000:0001',
      },
    ],
  ])('%s', (input, expected) => {
    expect(describeAddress(input)).toMatchObject(expected)
  })

  it('keeps hostCount a number up to Number.MAX_SAFE_INTEGER and an exact string above it', () => {
    // An IPv6 /75 has 2^53 - 1 hosts (all but the network address): the largest safe integer.
    expect(describeAddress('2001:db8::/75').hostCount).toBe(Number.MAX_SAFE_INTEGER)
    expect(describeAddress('2001:db8::/74').hostCount).toBe('18014398509481983')
    expect(JSON.stringify(describeAddress('::/0').hostCount)).toBe(`"${2n ** 128n - 1n}"`)
  })

  it.each([
    ['256.1.1.1', 'octet 256 is over 255'],
    ['192.168.0.1/33', 'prefix /33 is over 32'],
    ['::1/129', 'prefix /129 is over 128'],
    ['1.2.3', 'it has 3 parts'],
    ['localhost', 'invalid IP address "localhost"'],
    ['', 'it is empty'],
    ['fe80::1%eth0/64', 'zone id'],
  ])('%j is refused with a one-line message: %s', (input, reason) => {
    expect(() => describeAddress(input)).toThrow(InvalidAddressError)
    expect(() => describeAddress(input)).toThrow(reason)
    try {
      describeAddress(input)
    } catch (error) {
      expect((error as Error).message).not.toContain('\n')
    }
  })
})
