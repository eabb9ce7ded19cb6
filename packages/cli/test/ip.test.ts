import { describe, expect, it } from 'vitest'
import { runProtolab } from './helpers/processes.js'

/** The `--json` fields, exactly as issue 3 names them. */
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

async function describeIp(address: string): Promise<Record<string, unknown>> {
  const result = await runProtolab(['ip', address, '--json'])
  expect(result.code, result.stderr).toBe(0)
  return JSON.parse(result.stdout) as Record<string, unknown>
}

describe.concurrent('protolab ip --json', () => {
  it('has exactly the fields of the contract', async () => {
    expect(Object.keys(await describeIp('192.168.0.7/24')).sort()).toEqual([...FIELDS].sort())
  })

  it('knows 192.168.0.255/24 is the broadcast address of its network', async () => {
    expect(await describeIp('192.168.0.255/24')).toEqual({
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
    })
  })

  it('knows 10.0.0.0/8 is a class A network address', async () => {
    expect(await describeIp('10.0.0.0/8')).toMatchObject({
      class: 'A',
      network: '10.0.0.0',
      broadcast: '10.255.255.255',
      hostCount: 16_777_214,
      scope: 'private',
      isNetworkAddress: true,
      isBroadcastAddress: false,
      usableAsHost: false,
    })
  })

  it('knows 192.168.0.7/24 is usable as a host', async () => {
    expect(await describeIp('192.168.0.7/24')).toMatchObject({ usableAsHost: true, isNetworkAddress: false })
  })

  it('knows ::1 is IPv6 loopback, and writes it expanded and compressed', async () => {
    expect(await describeIp('::1')).toMatchObject({
      family: 'IPv6',
      prefix: 128,
      class: null,
      broadcast: null,
      scope: 'loopback',
      expanded: '0000:0000:0000:0000:0000:0000:0000:0001',
      compressed: '::1',
      usableAsHost: true,
    })
  })

  it('knows multicast (class D) and documentation prefixes', async () => {
    expect(await describeIp('224.0.0.1')).toMatchObject({
      class: 'D',
      scope: 'multicast',
      usableAsHost: false,
    })
    expect(await describeIp('2001:0db8:0000::1/32')).toMatchObject({
      address: '2001:db8::1',
      network: '2001:db8::',
      scope: 'documentation',
    })
  })
})

describe('protolab ip', () => {
  it('says in words why an address cannot be a host', async () => {
    const result = await runProtolab(['ip', '192.168.0.255/24'])
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/^\s+broadcast\s+192\.168\.0\.255$/m)
    expect(result.stdout).toMatch(/^\s+netmask\s+255\.255\.255\.0$/m)
    expect(result.stdout).toMatch(
      /^192\.168\.0\.255 is the broadcast address of 192\.168\.0\.0\/24: not usable as a host$/m,
    )
  })
})

describe('protolab encodings', () => {
  it('lists the encodings with their aliases', async () => {
    const result = await runProtolab(['encodings'])
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/^utf-8\b/m)
    expect(result.stdout).toMatch(/^gb2312\s+.*\beuccn\b/m)
    expect(result.stdout).toMatch(/^shift_jis\s+.*\bsjis\b/m)
  })

  it('prints {name, aliases} objects with --json', async () => {
    const result = await runProtolab(['encodings', '--json'])
    const encodings = JSON.parse(result.stdout) as Array<{ name: string; aliases: string[] }>
    expect(encodings.find((encoding) => encoding.name === 'gb2312')?.aliases).toContain('cp936')
    expect(encodings.map((encoding) => encoding.name)).toEqual(
      expect.arrayContaining(['gbk', 'gb18030', 'big5', 'latin1']),
    )
  })
})
