import { describe, expect, it } from 'vitest'
import {
  decodeTcpOptions,
  encodeTcpOptions,
  formatTcpFlags,
  TcpHeader as Tcp,
  type TcpHeader,
  type TcpOption,
  TcpView,
  tcpFlagsFromBits,
  tcpFlagsToBits,
  UdpHeader,
  UdpView,
} from '../src/packet/index.js'
import {
  fromHex,
  TCP_DATA_CORRECT_CHECKSUM,
  TCP_DATA_FRAME,
  TCP_SYN_CORRECT_CHECKSUM,
  TCP_SYN_FRAME,
  UDP_IPV4_CORRECT_CHECKSUM,
  UDP_IPV4_FRAME,
  UDP_IPV6_CORRECT_CHECKSUM,
  UDP_IPV6_FRAME,
  withChecksum,
} from './fixtures/frames.js'

const invalidPacket = expect.objectContaining({ code: 'ERR_INVALID_PACKET' })
const invalidArgument = expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' })
const v4 = { source: '127.0.0.1', destination: '127.0.0.1' }
const v6 = { source: '::1', destination: '::1' }
const localhost4 = Uint8Array.of(127, 0, 0, 1)

describe('UDP', () => {
  const captured = UDP_IPV4_FRAME.subarray(34)
  const valid = withChecksum(captured, 6, UDP_IPV4_CORRECT_CHECKSUM)

  it('deconstructs the captured datagram in place', () => {
    const view = new UdpView(captured).checkLength()
    expect([view.sourcePort, view.destinationPort, view.length, view.checksum]).toEqual([
      52794, 40884, 17, 0xfe24,
    ])
    expect(new TextDecoder().decode(view.payload)).toBe('hello udp')
    // Loopback captures carry a partial (offloaded) checksum.
    expect(view.verifyChecksum(localhost4, localhost4)).toBe(false)
  })

  it('parses, reporting the checksum as Wireshark does', () => {
    expect(UdpHeader.parse(captured, v4).checksumValid).toBe(false)
    const parsed = UdpHeader.parse(valid, v4)
    expect(parsed).toMatchObject({
      header: { sourcePort: 52794, destinationPort: 40884 },
      length: 17,
      checksumValid: true,
    })
  })

  it('emits the bytes with the checksum Wireshark calculated (IPv4 0x6a83, IPv6 0xa4fb)', () => {
    const out = UdpHeader.emit(
      { sourcePort: 52794, destinationPort: 40884 },
      new TextEncoder().encode('hello udp'),
      v4,
    )
    expect(out).toEqual(valid)
    const captured6 = UDP_IPV6_FRAME.subarray(54)
    const parsed6 = UdpHeader.parse(captured6, v6)
    const out6 = UdpHeader.emit(parsed6.header, parsed6.payload, v6)
    expect(new UdpView(out6).checksum).toBe(UDP_IPV6_CORRECT_CHECKSUM)
    expect(UdpHeader.parse(out6, v6).checksumValid).toBe(true)
    expect(UdpHeader.bufferLength(parsed6.header, 10)).toBe(18)
  })

  it('treats checksum 0 as "none" over IPv4 and as invalid over IPv6', () => {
    const none = withChecksum(valid, 6, 0)
    expect(UdpHeader.parse(none, v4).checksumValid).toBe(true)
    expect(UdpHeader.parse(none, v6).checksumValid).toBe(false)
  })

  it('sends a computed checksum of 0 as 0xffff', () => {
    // Find a source port whose checksum computes to zero: the checksum changes by one per port step.
    const base = UdpHeader.emit({ sourcePort: 0, destinationPort: 0 }, new Uint8Array(0), v4)
    const sum = new UdpView(base).checksum
    const out = UdpHeader.emit({ sourcePort: sum, destinationPort: 0 }, new Uint8Array(0), v4)
    expect(new UdpView(out).checksum).toBe(0xffff)
    expect(UdpHeader.parse(out, v4).checksumValid).toBe(true)
  })

  it('refuses truncated datagrams and impossible lengths', () => {
    for (let length = 0; length < captured.length; length++) {
      expect(() => UdpHeader.parse(captured.subarray(0, length), v4)).toThrow(invalidPacket)
    }
    expect(() => UdpHeader.parse(fromHex('0001 0002 0007 0000'), v4)).toThrow(invalidPacket)
  })

  it('refuses to emit values that do not fit', () => {
    expect(() => UdpHeader.emit({ sourcePort: 65536, destinationPort: 1 }, new Uint8Array(0), v4)).toThrow(
      invalidArgument,
    )
    expect(() => UdpHeader.emit({ sourcePort: 1, destinationPort: 1 }, new Uint8Array(65528), v4)).toThrow(
      invalidArgument,
    )
    expect(() =>
      UdpHeader.emit({ sourcePort: 1, destinationPort: 1 }, new Uint8Array(0), { ...v4, destination: '::1' }),
    ).toThrow(invalidArgument)
  })
})

describe('TCP', () => {
  const syn = TCP_SYN_FRAME.subarray(34)
  const data = TCP_DATA_FRAME.subarray(34)

  it('deconstructs the captured SYN in place', () => {
    const view = new TcpView(syn).checkLength()
    expect(view.sourcePort).toBe(44786)
    expect(view.destinationPort).toBe(40884)
    expect(view.sequenceNumber).toBe(0x1c543208)
    expect(view.acknowledgmentNumber).toBe(0)
    expect(view.headerLength).toBe(40)
    expect(view.flagBits).toBe(0x002)
    expect(view.window).toBe(65495)
    expect(view.urgentPointer).toBe(0)
    expect(view.options.length).toBe(20)
    expect(view.payload.length).toBe(0)
  })

  it('decodes the SYN options: MSS, SACK permitted, timestamps, NOP, window scale', () => {
    const parsed = Tcp.parse(syn, v4)
    expect(parsed.header.flags).toMatchObject({ syn: true, ack: false, fin: false })
    expect(parsed.header.options).toEqual([
      { kind: 'mss', value: 65495 },
      { kind: 'sack-permitted' },
      { kind: 'timestamps', value: 1634114680, echo: 0 },
      { kind: 'nop' },
      { kind: 'window-scale', shift: 10 },
    ])
    expect(parsed.checksumValid).toBe(false)
    expect(Tcp.parse(withChecksum(syn, 16, TCP_SYN_CORRECT_CHECKSUM), v4).checksumValid).toBe(true)
  })

  it('emits the captured segments with the checksums Wireshark calculated', () => {
    for (const [segment, checksum] of [
      [syn, TCP_SYN_CORRECT_CHECKSUM],
      [data, TCP_DATA_CORRECT_CHECKSUM],
    ] as const) {
      const parsed = Tcp.parse(segment, v4)
      expect(Tcp.bufferLength(parsed.header, parsed.payload.length)).toBe(segment.length)
      expect(Tcp.emit(parsed.header, parsed.payload, v4)).toEqual(withChecksum(segment, 16, checksum))
    }
  })

  it('reads the data segment: PSH, ACK and "hello"', () => {
    const parsed = Tcp.parse(data, v4)
    expect(formatTcpFlags(parsed.header.flags)).toBe('PSH, ACK')
    expect(new TextDecoder().decode(parsed.payload)).toBe('hello')
  })

  it('constructs every flag and option kind over IPv6 and reads them back', () => {
    const options: TcpOption[] = [
      { kind: 'nop' },
      { kind: 'nop' },
      {
        kind: 'sack',
        blocks: [
          { left: 1000, right: 2000 },
          { left: 0xfffffff0, right: 5 },
        ],
      },
      { kind: 'unknown', type: 30, data: Uint8Array.of(1, 2) },
      { kind: 'eol' },
    ]
    const header: TcpHeader = {
      sourcePort: 1,
      destinationPort: 65535,
      sequenceNumber: 0xffffffff,
      acknowledgmentNumber: 0x80000000,
      flags: tcpFlagsFromBits(0x1ff),
      window: 0,
      urgentPointer: 7,
      options,
    }
    const bytes = Tcp.emit(header, Uint8Array.of(9), { source: '2001:db8::1', destination: '2001:db8::2' })
    expect(bytes.length % 4).toBe(1)
    const parsed = Tcp.parse(bytes, { source: '2001:db8::1', destination: '2001:db8::2' })
    expect(parsed.header).toEqual(header)
    expect(parsed.checksumValid).toBe(true)
    expect(formatTcpFlags(header.flags)).toBe('FIN, SYN, RST, PSH, ACK, URG, ECE, CWR, AE')
  })

  it('converts flags to bits and back', () => {
    expect(tcpFlagsToBits({ syn: true, ack: true })).toBe(0x012)
    expect(tcpFlagsFromBits(0x011)).toMatchObject({ fin: true, ack: true, syn: false })
    expect(formatTcpFlags({})).toBe('<none>')
  })

  it('pads options to 4 bytes and stops decoding at End of Option List', () => {
    const encoded = encodeTcpOptions([{ kind: 'window-scale', shift: 7 }])
    expect(Array.from(encoded)).toEqual([3, 3, 7, 0])
    expect(decodeTcpOptions(fromHex('0101 0000 0204 0218'))).toEqual([
      { kind: 'nop' },
      { kind: 'nop' },
      { kind: 'eol' },
    ])
  })

  it('refuses malformed options with InvalidPacketError', () => {
    for (const bad of [
      '02',
      '0201',
      '0203 05b4',
      '0205 05b4 00',
      '0302 0e00',
      '0502 0000',
      '050b 0000 0001 0000 0002 0000',
      '1e05 00',
    ]) {
      expect(() => decodeTcpOptions(fromHex(bad)), bad).toThrow(invalidPacket)
    }
  })

  it('refuses to encode options that do not fit', () => {
    expect(() => encodeTcpOptions([{ kind: 'window-scale', shift: 15 }])).toThrow(invalidArgument)
    expect(() => encodeTcpOptions([{ kind: 'mss', value: 70000 }])).toThrow(invalidArgument)
    expect(() => encodeTcpOptions([{ kind: 'sack', blocks: [] }])).toThrow(invalidArgument)
    const five = Array.from({ length: 5 }, () => ({ left: 1, right: 2 }))
    expect(() => encodeTcpOptions([{ kind: 'sack', blocks: five }])).toThrow(invalidArgument)
    const tooMany: TcpOption[] = Array.from({ length: 11 }, () => ({ kind: 'mss', value: 1 }))
    expect(() => encodeTcpOptions(tooMany)).toThrow(invalidArgument)
    expect(() => encodeTcpOptions([{ kind: 'unknown', type: 1, data: new Uint8Array(0) }])).toThrow(
      invalidArgument,
    )
  })

  it('refuses truncated segments and a data offset below 5', () => {
    for (let length = 0; length < syn.length; length++) {
      expect(() => Tcp.parse(syn.subarray(0, length), v4)).toThrow(invalidPacket)
    }
    const lowOffset = syn.slice()
    lowOffset[12] = 0x40
    expect(() => Tcp.parse(lowOffset, v4)).toThrow(invalidPacket)
  })
})
