import { isIP as nodeIsIP } from 'node:net'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  addressScope,
  describeAddress,
  expandIPv6,
  formatHostPort,
  formatIPv4,
  formatIPv6,
  intToIPv4,
  ipFamily,
  ipv4ToInt,
  isHostName,
  parseCidr,
  parseHostPort,
  parseIP,
  parseIPv4,
  parseIPv6,
  parsePort,
} from '../src/address/index.js'
import { isProtolabError } from '../src/errors.js'

const RUNS = 3000

const ipv4Bytes = fc.uint8Array({ minLength: 4, maxLength: 4 })

/** Eight groups, zero often enough that runs of zeros (and so `::`) are common. */
const ipv6Groups = fc.array(
  fc.oneof(fc.constant(0), fc.constant(0xffff), fc.integer({ min: 0, max: 0xffff })),
  {
    minLength: 8,
    maxLength: 8,
  },
)
const groupsToBytes = (groups: number[]) =>
  Uint8Array.from(groups.flatMap((group) => [group >> 8, group & 0xff]))
const ipv6Bytes = fc.oneof(
  ipv6Groups.map(groupsToBytes),
  ipv4Bytes.map((v4) => Uint8Array.from([...new Uint8Array(10), 0xff, 0xff, ...v4])),
)

/**
 * Any valid spelling of an address: random case and leading zeros, a run of groups forced to zero
 * and maybe written `::`, and maybe the last 32 bits as dotted IPv4.
 */
const ipv6Spelling = fc
  .record({
    groups: ipv6Groups,
    zeroRun: fc.tuple(fc.integer({ min: 0, max: 7 }), fc.integer({ min: 1, max: 8 })),
    compress: fc.boolean(),
    upper: fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }),
    pad: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 8, maxLength: 8 }),
    embedIPv4: fc.boolean(),
  })
  .map(({ groups: random, zeroRun: [start, wanted], compress, upper, pad, embedIPv4 }) => {
    const groups = random.map((group, index) => (index >= start && index < start + wanted ? 0 : group))
    const hexCount = embedIPv4 ? 6 : 8
    let texts = groups.slice(0, hexCount).map((group, index) => {
      const hex = group.toString(16)
      const padded = hex.padStart(Math.min(4, hex.length + pad[index]!), '0')
      return upper[index] ? padded.toUpperCase() : padded
    })
    if (embedIPv4) {
      texts = [...texts, `${groups[6]! >> 8}.${groups[6]! & 0xff}.${groups[7]! >> 8}.${groups[7]! & 0xff}`]
    }
    // `::` may stand for the forced run of zeros, as far as it lies in the hex groups.
    const length = Math.min(wanted, hexCount - start)
    const text =
      compress && length >= 1
        ? `${texts.slice(0, start).join(':')}::${texts.slice(start + length).join(':')}`
        : texts.join(':')
    return { text, bytes: groupsToBytes(groups) }
  })

/** Strings near the IP grammar: most are invalid, many are close calls. */
const ipLikeText = fc.oneof(
  fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEFg:.%/[]-'), maxLength: 45 }),
  fc.string({ unit: fc.constantFrom(...'0125:.f'), maxLength: 20 }),
  fc
    .tuple(
      ipv6Spelling,
      fc.nat(60),
      fc.constantFrom('', ':', '::', '.', '0', '1.2', 'f', '00000', '.1'),
      fc.nat(4),
    )
    .map(([{ text }, at, insert, cut]) => {
      const position = at % (text.length + 1)
      return text.slice(0, position) + insert + text.slice(position + cut)
    }),
  fc
    .tuple(ipv4Bytes, fc.nat(16), fc.constantFrom('', '.', '0', '9', '00', '256', ':'))
    .map(([bytes, at, insert]) => {
      const text = formatIPv4(bytes)
      const position = at % (text.length + 1)
      return text.slice(0, position) + insert + text.slice(position)
    }),
)

const anyText = fc.oneof(fc.string({ unit: 'binary', maxLength: 80 }), ipLikeText)

describe('address properties', () => {
  it('IPv4: format and parse round trip, and so do the integer forms', () => {
    fc.assert(
      fc.property(ipv4Bytes, (bytes) => {
        const text = formatIPv4(bytes)
        expect(parseIPv4(text)).toEqual(bytes)
        expect(nodeIsIP(text)).toBe(4)
        expect(intToIPv4(ipv4ToInt(bytes))).toEqual(bytes)
      }),
      { numRuns: RUNS },
    )
  })

  it('IPv6: compressed and expanded forms both parse back to the same bytes', () => {
    fc.assert(
      fc.property(ipv6Bytes, (bytes) => {
        const compressed = formatIPv6(bytes)
        const expanded = expandIPv6(bytes)
        expect(parseIPv6(compressed)).toEqual(bytes)
        expect(parseIPv6(expanded)).toEqual(bytes)
        expect(expanded).toMatch(/^[0-9a-f]{4}(:[0-9a-f]{4}){7}$/)
        expect(compressed).toBe(compressed.toLowerCase())
        expect(compressed.length).toBeLessThanOrEqual(expanded.length)
        expect(nodeIsIP(compressed)).toBe(6)
      }),
      { numRuns: RUNS },
    )
  })

  it('IPv6: every valid spelling parses to its bytes and formats to one canonical text', () => {
    fc.assert(
      fc.property(ipv6Spelling, ({ text, bytes }) => {
        expect(nodeIsIP(text)).toBe(6)
        expect(parseIPv6(text)).toEqual(bytes)
        expect(formatIPv6(parseIPv6(text))).toBe(formatIPv6(bytes))
      }),
      { numRuns: RUNS },
    )
  })

  it("ipFamily agrees with node:net's isIP (zone ids aside, which are refused here)", () => {
    fc.assert(
      fc.property(ipLikeText, (text) => {
        const ours = ipFamily(text) ?? 0
        if (text.includes('%')) expect(ours).toBe(0)
        else expect(ours).toBe(nodeIsIP(text))
      }),
      { numRuns: RUNS * 3 },
    )
  })

  it('host:port: format then parse gives back the canonical address and port', () => {
    const address = fc.oneof(ipv4Bytes.map(formatIPv4), ipv6Bytes.map(formatIPv6))
    fc.assert(
      fc.property(address, fc.integer({ min: 0, max: 65535 }), (host, port) => {
        expect(parseHostPort(formatHostPort(host, port))).toEqual({ host, port })
      }),
      { numRuns: RUNS },
    )
  })

  it('IPv4 prefixes agree with 32-bit integer arithmetic', () => {
    fc.assert(
      fc.property(ipv4Bytes, fc.integer({ min: 0, max: 32 }), (bytes, prefix) => {
        const value = ipv4ToInt(bytes)
        const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0
        const network = (value & mask) >>> 0
        const broadcast = (network | ~mask) >>> 0
        const description = describeAddress(`${formatIPv4(bytes)}/${prefix}`)
        expect(description.network).toBe(formatIPv4(intToIPv4(network)))
        const firstHost = ipv4ToInt(parseIPv4(description.firstHost))
        const lastHost = ipv4ToInt(parseIPv4(description.lastHost))
        expect(description.hostCount).toBe(lastHost - firstHost + 1)
        if (prefix <= 30) {
          expect(description.broadcast).toBe(formatIPv4(intToIPv4(broadcast)))
          expect([firstHost, lastHost]).toEqual([network + 1, broadcast - 1])
          expect(description.isNetworkAddress).toBe(value === network)
          expect(description.isBroadcastAddress).toBe(value === broadcast)
        } else {
          expect(description.broadcast).toBeNull()
          expect([firstHost, lastHost]).toEqual([network, broadcast])
          expect(description.isNetworkAddress || description.isBroadcastAddress).toBe(false)
        }
      }),
      { numRuns: RUNS },
    )
  })

  it('any string: every parser returns or throws a ProtolabError, nothing else', () => {
    const parsers: ReadonlyArray<(text: string) => unknown> = [
      parseIPv4,
      parseIPv6,
      parseIP,
      ipFamily,
      isHostName,
      parsePort,
      parseCidr,
      addressScope,
      describeAddress,
      (text) => parseHostPort(text),
      (text) => parseHostPort(text, { port: 80, host: 'localhost' }),
    ]
    fc.assert(
      fc.property(anyText, (text) => {
        for (const parse of parsers) {
          try {
            parse(text)
          } catch (error) {
            if (!isProtolabError(error)) throw error
            expect(error.message).not.toMatch(/[\n\r]/)
          }
        }
      }),
      { numRuns: RUNS },
    )
  })
})
