import { describe, expect, it } from 'vitest'
import {
  decodeIpv4Options,
  findIpv6UpperLayer,
  Ipv4Header as Ipv4,
  type Ipv4Header,
  Ipv4View,
  Ipv6Header,
  Ipv6View,
} from '../src/packet/index.js'
import { fromHex, UDP_IPV4_FRAME, UDP_IPV6_FRAME, WIKIPEDIA_IPV4_HEADER } from './fixtures/frames.js'

const invalidPacket = expect.objectContaining({ code: 'ERR_INVALID_PACKET' })
const invalidArgument = expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' })

describe('IPv4', () => {
  const packet = UDP_IPV4_FRAME.subarray(14)

  it('deconstructs the captured packet in place', () => {
    const view = new Ipv4View(packet).checkLength()
    expect(view.version).toBe(4)
    expect(view.headerLength).toBe(20)
    expect(view.totalLength).toBe(37)
    expect(view.identification).toBe(0x3e75)
    expect(view.dontFragment).toBe(true)
    expect(view.moreFragments).toBe(false)
    expect(view.reservedFlag).toBe(false)
    expect(view.fragmentOffset).toBe(0)
    expect(view.ttl).toBe(64)
    expect(view.protocol).toBe(17)
    expect(view.checksum).toBe(0xfe50)
    expect(view.verifyChecksum()).toBe(true)
    expect(view.payload.length).toBe(17)
  })

  it("verifies Wikipedia's header (checksum 0xb861)", () => {
    const view = new Ipv4View(WIKIPEDIA_IPV4_HEADER)
    // total length 0x73 is beyond these 20 bytes: checkLength refuses it, the header alone verifies.
    expect(() => view.checkLength()).toThrow(invalidPacket)
    expect(view.verifyChecksum()).toBe(true)
  })

  it('parses to values and emits the same bytes', () => {
    const parsed = Ipv4.parse(packet)
    expect(parsed.header).toEqual({
      dscp: 0,
      ecn: 0,
      identification: 0x3e75,
      dontFragment: true,
      moreFragments: false,
      fragmentOffset: 0,
      ttl: 64,
      protocol: 17,
      source: '127.0.0.1',
      destination: '127.0.0.1',
      options: new Uint8Array(0),
    })
    expect(parsed.checksumValid).toBe(true)
    expect(Ipv4.bufferLength(parsed.header, parsed.payload.length)).toBe(37)
    expect(Ipv4.emit(parsed.header, parsed.payload)).toEqual(packet)
  })

  it('constructs a header with options, fragments and DSCP, and reads it back', () => {
    const header: Ipv4Header = {
      dscp: 46,
      ecn: 1,
      identification: 0xbeef,
      dontFragment: false,
      moreFragments: true,
      fragmentOffset: 1480,
      ttl: 1,
      protocol: 6,
      source: '192.0.2.1',
      destination: '198.51.100.7',
      // Router Alert (4 bytes).
      options: fromHex('9404 0000'),
    }
    const bytes = Ipv4.emit(header, Uint8Array.of(1, 2, 3))
    expect(bytes.length).toBe(27)
    expect(bytes[0]).toBe(0x46)
    const parsed = Ipv4.parse(bytes)
    expect(parsed.header).toEqual(header)
    expect(parsed.checksumValid).toBe(true)
    expect(decodeIpv4Options(parsed.header.options)).toEqual([
      { type: 148, name: 'Router Alert', offset: 0, length: 4, data: fromHex('0000') },
    ])
  })

  it('reports a bad checksum instead of throwing', () => {
    const corrupted = packet.slice()
    corrupted[8] = 63
    const parsed = Ipv4.parse(corrupted)
    expect(parsed.checksumValid).toBe(false)
    expect(parsed.header.ttl).toBe(63)
  })

  it('ignores trailing bytes after the total length (Ethernet padding)', () => {
    const padded = new Uint8Array(60)
    padded.set(packet)
    expect(Ipv4.parse(padded).payload.length).toBe(17)
  })

  it('refuses truncated and malformed packets with InvalidPacketError', () => {
    for (let length = 0; length < packet.length; length++) {
      expect(() => Ipv4.parse(packet.subarray(0, length))).toThrow(invalidPacket)
    }
    const badVersion = packet.slice()
    badVersion[0] = 0x65
    expect(() => Ipv4.parse(badVersion)).toThrow(invalidPacket)
    const shortIhl = packet.slice()
    shortIhl[0] = 0x44
    expect(() => Ipv4.parse(shortIhl)).toThrow(invalidPacket)
    const shortTotal = packet.slice()
    shortTotal[3] = 19
    expect(() => Ipv4.parse(shortTotal)).toThrow(invalidPacket)
  })

  it('refuses to emit values that do not fit', () => {
    const header = Ipv4.parse(packet).header
    expect(() => Ipv4.emit({ ...header, ttl: 256 })).toThrow(invalidArgument)
    expect(() => Ipv4.emit({ ...header, fragmentOffset: 7 })).toThrow(invalidArgument)
    expect(() => Ipv4.emit({ ...header, options: new Uint8Array(3) })).toThrow(invalidArgument)
    expect(() => Ipv4.emit({ ...header, options: new Uint8Array(44) })).toThrow(invalidArgument)
    expect(() => Ipv4.emit(header, new Uint8Array(65516))).toThrow(invalidArgument)
    expect(() => Ipv4.emit({ ...header, source: '::1' })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ADDRESS' }),
    )
  })

  it('decodes options and refuses malformed ones', () => {
    const options = decodeIpv4Options(fromHex('0101 0703 0400'))
    expect(options.map((option) => option.name)).toEqual([
      'No-Operation',
      'No-Operation',
      'Record Route',
      'End of Option List',
    ])
    expect(options[2]).toMatchObject({ offset: 2, length: 3, data: Uint8Array.of(4) })
    expect(() => decodeIpv4Options(fromHex('0701 0000'))).toThrow(invalidPacket)
    expect(() => decodeIpv4Options(fromHex('0708 0000'))).toThrow(invalidPacket)
    expect(decodeIpv4Options(fromHex('0100 ffff')).map((option) => option.type)).toEqual([1, 0])
  })
})

describe('IPv6', () => {
  const packet = UDP_IPV6_FRAME.subarray(14)

  it('deconstructs the captured packet in place', () => {
    const view = new Ipv6View(packet).checkLength()
    expect(view.version).toBe(6)
    expect(view.trafficClass).toBe(0)
    expect(view.flowLabel).toBe(0x718e6)
    expect(view.payloadLength).toBe(18)
    expect(view.nextHeader).toBe(17)
    expect(view.hopLimit).toBe(64)
    expect(view.payload.length).toBe(18)
  })

  it('parses to values and emits the same bytes', () => {
    const parsed = Ipv6Header.parse(packet)
    expect(parsed.header).toEqual({
      trafficClass: 0,
      flowLabel: 0x718e6,
      nextHeader: 17,
      hopLimit: 64,
      source: '::1',
      destination: '::1',
    })
    expect(Ipv6Header.bufferLength(parsed.header, 18)).toBe(packet.length)
    expect(Ipv6Header.emit(parsed.header, parsed.payload)).toEqual(packet)
  })

  it('constructs a header with a traffic class and flow label', () => {
    const header = {
      trafficClass: 0xb8,
      flowLabel: 0xfffff,
      nextHeader: 6,
      hopLimit: 255,
      source: '2001:db8::1',
      destination: 'fe80::abcd:1',
    }
    const bytes = Ipv6Header.emit(header)
    expect(Array.from(bytes.subarray(0, 4))).toEqual([0x6b, 0x8f, 0xff, 0xff])
    expect(Ipv6Header.parse(bytes).header).toEqual(header)
  })

  it('refuses truncated and malformed packets', () => {
    for (let length = 0; length < packet.length; length++) {
      expect(() => Ipv6Header.parse(packet.subarray(0, length))).toThrow(invalidPacket)
    }
    const v4 = packet.slice()
    v4[0] = 0x40
    expect(() => Ipv6Header.parse(v4)).toThrow(invalidPacket)
  })

  it('refuses to emit values that do not fit', () => {
    const header = Ipv6Header.parse(packet).header
    expect(() => Ipv6Header.emit({ ...header, flowLabel: 0x100000 })).toThrow(invalidArgument)
    expect(() => Ipv6Header.emit({ ...header, destination: '127.0.0.1' })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ADDRESS' }),
    )
    expect(() => Ipv6Header.emit(header, new Uint8Array(65536))).toThrow(invalidArgument)
  })

  it('walks extension headers to the upper layer', () => {
    // Hop-by-hop (8 bytes) -> destination options (16 bytes) -> UDP.
    const payload = fromHex('3c00 0000 0000 0000  1101 0000 0000 0000 0000 0000 0000 0000  abcd')
    const upper = findIpv6UpperLayer(0, payload)
    expect(upper).toMatchObject({ protocol: 17, offset: 24, fragment: false })
    expect(upper.extensions.map((extension) => extension.type)).toEqual([0, 60])
    // A fragment header with a non-zero offset.
    expect(findIpv6UpperLayer(44, fromHex('1100 0010 0000 0001')).fragment).toBe(true)
    expect(() => findIpv6UpperLayer(0, fromHex('1101 0000 0000 0000'))).toThrow(invalidPacket)
    expect(() => findIpv6UpperLayer(0, fromHex('1100 00'))).toThrow(invalidPacket)
  })
})
