import { describe, expect, it } from 'vitest'
import {
  EthernetHeader,
  EthernetView,
  LoopbackHeader,
  LoopbackView,
  loopbackFamilyVersion,
  parseMacAddress,
  Sll2View,
  SllHeader,
  SllView,
} from '../src/packet/index.js'
import { fromHex, UDP_IPV4_FRAME } from './fixtures/frames.js'

const invalidPacket = expect.objectContaining({ code: 'ERR_INVALID_PACKET' })

describe('Ethernet II', () => {
  const frame = fromHex('0200 0000 0002 0200 0000 0001 86dd cafe')

  it('deconstructs: the view reads fields in place', () => {
    const view = new EthernetView(frame).checkLength()
    expect(Array.from(view.destination)).toEqual([2, 0, 0, 0, 0, 2])
    expect(Array.from(view.source)).toEqual([2, 0, 0, 0, 0, 1])
    expect(view.etherType).toBe(0x86dd)
    expect(Array.from(view.payload)).toEqual([0xca, 0xfe])
    expect(view.payload.buffer).toBe(frame.buffer)
  })

  it('constructs: a view writes fields in place', () => {
    const bytes = new Uint8Array(14)
    const view = new EthernetView(bytes)
    view.etherType = 0x0800
    expect(bytes[12]).toBe(0x08)
    expect(() => {
      view.etherType = 0x10000
    }).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }))
  })

  it('parses and emits the same bytes', () => {
    const { header, payload } = EthernetHeader.parse(frame)
    expect(header).toEqual({
      destination: '02:00:00:00:00:02',
      source: '02:00:00:00:00:01',
      etherType: 0x86dd,
    })
    expect(EthernetHeader.bufferLength(header, payload.length)).toBe(frame.length)
    expect(EthernetHeader.emit(header, payload)).toEqual(frame)
  })

  it('emits into a target buffer', () => {
    const target = new Uint8Array(64)
    const out = EthernetHeader.emit(EthernetHeader.parse(frame).header, Uint8Array.of(0xca, 0xfe), target)
    expect(out.buffer).toBe(target.buffer)
    expect(out).toEqual(frame)
    expect(() =>
      EthernetHeader.emit(EthernetHeader.parse(frame).header, new Uint8Array(1), new Uint8Array(14)),
    ).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }))
  })

  it('reads the captured frame', () => {
    expect(EthernetHeader.parse(UDP_IPV4_FRAME).header.etherType).toBe(0x0800)
  })

  it('refuses a frame shorter than 14 bytes', () => {
    for (let length = 0; length < 14; length++) {
      expect(() => EthernetHeader.parse(frame.subarray(0, length))).toThrow(invalidPacket)
    }
  })

  it('validates MAC addresses', () => {
    expect(Array.from(parseMacAddress('AA:bb:00:11:22:33'))).toEqual([0xaa, 0xbb, 0, 0x11, 0x22, 0x33])
    for (const bad of [
      '',
      'aa:bb:cc:dd:ee',
      'aa-bb-cc-dd-ee-ff',
      'gg:00:00:00:00:00',
      'aa:bb:cc:dd:ee:ff:00',
    ]) {
      expect(() => parseMacAddress(bad)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ADDRESS' }))
    }
  })
})

describe('Linux cooked capture (SLL and SLL2)', () => {
  // From udp-sll.pcap / udp-sll2.pcap: sent by us on lo (ARPHRD 772), address 6 zero bytes, IPv4.
  const sll = fromHex('0000 0304 0006 0000 0000 0000 0000 0800 4500')
  const sll2 = fromHex('0800 0000 0000 0001 0304 00 06 0000 0000 0000 0000 4500')

  it('deconstructs SLL v1', () => {
    const view = new SllView(sll).checkLength()
    expect([view.packetType, view.arphrdType, view.addressLength, view.protocol]).toEqual([0, 772, 6, 0x0800])
    expect(view.address.length).toBe(6)
    expect(Array.from(view.payload)).toEqual([0x45, 0])
  })

  it('deconstructs SLL2', () => {
    const view = new Sll2View(sll2).checkLength()
    expect([
      view.protocol,
      view.interfaceIndex,
      view.arphrdType,
      view.packetType,
      view.addressLength,
    ]).toEqual([0x0800, 1, 772, 0, 6])
  })

  it('parses and emits both versions to the same bytes', () => {
    const v1 = SllHeader.parse(sll, 1)
    expect(v1.header).toMatchObject({ version: 1, packetType: 0, arphrdType: 772, protocol: 0x0800 })
    expect(SllHeader.emit(v1.header, v1.payload)).toEqual(sll)
    const v2 = SllHeader.parse(sll2, 2)
    expect(v2.header).toMatchObject({ version: 2, interfaceIndex: 1, protocol: 0x0800 })
    expect(SllHeader.bufferLength(v2.header, v2.payload.length)).toBe(sll2.length)
    expect(SllHeader.emit(v2.header, v2.payload)).toEqual(sll2)
  })

  it('keeps at most 8 address bytes and the reported length of a longer address', () => {
    const long = sll.slice()
    long[5] = 16
    const parsed = SllHeader.parse(long, 1)
    expect(parsed.header.address.length).toBe(8)
    expect(parsed.header.addressLength).toBe(16)
    expect(() => SllHeader.emit({ ...parsed.header, address: new Uint8Array(9) })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
    )
  })

  it('refuses truncated headers', () => {
    expect(() => SllHeader.parse(sll.subarray(0, 15), 1)).toThrow(invalidPacket)
    expect(() => SllHeader.parse(sll2.subarray(0, 19), 2)).toThrow(invalidPacket)
  })
})

describe('BSD loopback (NULL and LOOP)', () => {
  it('detects the byte order of a NULL header', () => {
    expect(LoopbackView.detectByteOrder(fromHex('0200 0000'))).toBe('little')
    expect(LoopbackView.detectByteOrder(fromHex('0000 0002'))).toBe('big')
    expect(LoopbackHeader.parse(fromHex('1e00 0000 60')).header).toEqual({ family: 30, byteOrder: 'little' })
  })

  it('parses and emits in both byte orders', () => {
    for (const byteOrder of ['big', 'little'] as const) {
      const bytes = LoopbackHeader.emit({ family: 24, byteOrder }, Uint8Array.of(0x60))
      expect(bytes.length).toBe(LoopbackHeader.bufferLength({ family: 24, byteOrder }, 1))
      expect(LoopbackHeader.parse(bytes, byteOrder).header.family).toBe(24)
    }
  })

  it('maps families to IP versions', () => {
    expect([2, 10, 24, 28, 30, 7].map(loopbackFamilyVersion)).toEqual([4, 6, 6, 6, 6, undefined])
  })

  it('refuses a header shorter than 4 bytes', () => {
    expect(() => LoopbackHeader.parse(fromHex('0200 00'))).toThrow(invalidPacket)
    expect(() => LoopbackHeader.parse(fromHex('0200 00'), 'big')).toThrow(invalidPacket)
  })
})
