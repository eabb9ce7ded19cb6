import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import {
  LinkType,
  PCAP_MAGIC_MICROSECONDS,
  PcapFileHeaderView,
  PcapRecordHeaderView,
  readCaptureFile,
  readPcap,
  readPcapng,
  writePcap,
} from '../src/packet/index.js'
import { UDP_IPV4_FRAME, UDP_IPV6_FRAME } from './fixtures/frames.js'

const invalidPacket = expect.objectContaining({ code: 'ERR_INVALID_PACKET' })
const invalidArgument = expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' })
const fixture = (name: string) => new Uint8Array(readFileSync(new URL(`./fixtures/${name}`, import.meta.url)))

describe('pcap: files tcpdump wrote', () => {
  it('reads an Ethernet capture with microsecond timestamps', () => {
    const file = readPcap(fixture('udp-ipv4.pcap'))
    expect(file.header).toEqual({
      byteOrder: 'little',
      precision: 'microseconds',
      versionMajor: 2,
      versionMinor: 4,
      snapLength: 262144,
      linkType: LinkType.EN10MB,
    })
    expect(file.packets).toHaveLength(1)
    const [packet] = file.packets
    expect(packet!.data).toEqual(UDP_IPV4_FRAME)
    expect(packet!.originalLength).toBe(51)
    expect(packet!.timestamp.nanoseconds % 1000).toBe(0)
    expect(packet!.timestamp.seconds).toBeGreaterThan(1_600_000_000)
  })

  it('reads IPv6, Linux cooked v1, and v2 with nanosecond timestamps', () => {
    expect(readPcap(fixture('udp-ipv6.pcap')).packets[0]!.data).toEqual(UDP_IPV6_FRAME)
    expect(readPcap(fixture('udp-sll.pcap')).header.linkType).toBe(LinkType.LINUX_SLL)
    const sll2 = readPcap(fixture('udp-sll2.pcap'))
    expect(sll2.header).toMatchObject({ linkType: LinkType.LINUX_SLL2, precision: 'nanoseconds' })
    expect(sll2.packets[0]!.linkType).toBe(LinkType.LINUX_SLL2)
  })

  it('reads a whole TCP conversation', () => {
    expect(readPcap(fixture('tcp-ipv4.pcap')).packets).toHaveLength(10)
  })
})

describe('pcap: write and read back', () => {
  const records = [
    { timestamp: { seconds: 1_700_000_000, nanoseconds: 123_456_789 }, data: UDP_IPV4_FRAME },
    {
      timestamp: { seconds: 1_700_000_001, nanoseconds: 0 },
      data: UDP_IPV6_FRAME.subarray(0, 20),
      originalLength: 72,
    },
  ]

  for (const byteOrder of ['big', 'little'] as const) {
    for (const precision of ['microseconds', 'nanoseconds'] as const) {
      it(`round-trips ${byteOrder}-endian with ${precision}`, () => {
        const bytes = writePcap(records, {
          linkType: LinkType.EN10MB,
          byteOrder,
          precision,
          snapLength: 65535,
        })
        const file = readPcap(bytes)
        expect(file.header).toEqual({
          byteOrder,
          precision,
          versionMajor: 2,
          versionMinor: 4,
          snapLength: 65535,
          linkType: 1,
        })
        expect(file.packets.map((packet) => packet.data)).toEqual(records.map((record) => record.data))
        expect(file.packets[1]!.originalLength).toBe(72)
        expect(file.packets[0]!.timestamp).toEqual({
          seconds: 1_700_000_000,
          nanoseconds: precision === 'nanoseconds' ? 123_456_789 : 123_456_000,
        })
      })
    }
  }

  it('writes the standard header: magic, version 2.4, link type', () => {
    const bytes = writePcap([], { linkType: LinkType.RAW, byteOrder: 'big' })
    const view = new PcapFileHeaderView(bytes).checkLength()
    expect(view.magic).toBe(PCAP_MAGIC_MICROSECONDS)
    expect(Array.from(bytes.subarray(0, 4))).toEqual([0xa1, 0xb2, 0xc3, 0xd4])
    expect([view.versionMajor, view.versionMinor, view.snapLength, view.linkType]).toEqual([
      2, 4, 262144, 101,
    ])
  })

  it('views a record header in place', () => {
    const bytes = writePcap([records[0]!], { linkType: 1 })
    const record = new PcapRecordHeaderView(bytes.subarray(24), 'little').checkLength()
    expect([record.seconds, record.fraction, record.capturedLength, record.originalLength]).toEqual([
      1_700_000_000, 123_456, 51, 51,
    ])
    expect(record.packetData).toEqual(UDP_IPV4_FRAME)
  })

  it('refuses bad options and records', () => {
    expect(() => writePcap([], { linkType: 70000 })).toThrow(invalidArgument)
    expect(() => writePcap([{ data: new Uint8Array(10) }], { linkType: 1, snapLength: 5 })).toThrow(
      invalidArgument,
    )
    expect(() => writePcap([{ data: new Uint8Array(10), originalLength: 9 }], { linkType: 1 })).toThrow(
      invalidArgument,
    )
    expect(() =>
      writePcap([{ data: new Uint8Array(1), timestamp: { seconds: -1, nanoseconds: 0 } }], { linkType: 1 }),
    ).toThrow(invalidArgument)
    expect(() =>
      writePcap([{ data: new Uint8Array(1), timestamp: { seconds: 0, nanoseconds: 1e9 } }], { linkType: 1 }),
    ).toThrow(invalidArgument)
  })

  it('refuses truncated files, a wrong magic and an impossible timestamp', () => {
    const bytes = writePcap(records, { linkType: 1 })
    for (const length of [0, 3, 23, 25, 39, 40, bytes.length - 1]) {
      expect(() => readPcap(bytes.subarray(0, length)), `length ${length}`).toThrow(invalidPacket)
    }
    const wrongMagic = bytes.slice()
    wrongMagic[0] = 0
    expect(() => readPcap(wrongMagic)).toThrow(invalidPacket)
    const badFraction = bytes.slice()
    new DataView(badFraction.buffer).setUint32(28, 1_000_000, true)
    expect(() => readPcap(badFraction)).toThrow(invalidPacket)
  })
})

/** Builds pcapng blocks for tests, in either byte order. */
function block(type: number, body: number[], littleEndian: boolean): Uint8Array {
  const padded = [...body, ...new Array((4 - (body.length % 4)) % 4).fill(0)]
  const total = 12 + padded.length
  const out = new Uint8Array(total)
  const data = new DataView(out.buffer)
  data.setUint32(0, type, littleEndian)
  data.setUint32(4, total, littleEndian)
  out.set(padded, 8)
  data.setUint32(total - 4, total, littleEndian)
  return out
}

function words(littleEndian: boolean, ...parts: [number, 2 | 4 | 8][]): number[] {
  const bytes: number[] = []
  for (const [value, size] of parts) {
    const buffer = new DataView(new ArrayBuffer(size))
    if (size === 2) buffer.setUint16(0, value, littleEndian)
    else if (size === 4) buffer.setUint32(0, value, littleEndian)
    else buffer.setBigUint64(0, BigInt(value), littleEndian)
    bytes.push(...new Uint8Array(buffer.buffer))
  }
  return bytes
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0))
  let offset = 0
  for (const part of parts) {
    out.set(part, offset)
    offset += part.length
  }
  return out
}

function section(littleEndian: boolean): Uint8Array {
  return block(
    0x0a0d0d0a,
    words(littleEndian, [0x1a2b3c4d, 4], [1, 2], [0, 2], [0xffffffff, 4], [0xffffffff, 4]),
    littleEndian,
  )
}

describe('pcapng', () => {
  it('reads the file dumpcap wrote: interface lo, nanosecond resolution, 10 TCP packets', () => {
    const file = readPcapng(fixture('tcp-ipv6.pcapng'))
    expect(file.sections).toHaveLength(1)
    expect(file.interfaces[0]).toMatchObject({
      linkType: 1,
      name: 'lo',
      timestampUnitsPerSecond: 1_000_000_000n,
    })
    expect(file.packets).toHaveLength(10)
    expect(file.packets[0]!.data[12]).toBe(0x86)
    expect(file.packets[0]!.timestamp.seconds).toBeGreaterThan(1_600_000_000)
  })

  for (const littleEndian of [true, false]) {
    it(`reads SHB, IDB (with if_tsresol), EPB, SPB and skips unknown blocks, ${littleEndian ? 'little' : 'big'}-endian`, () => {
      const le = littleEndian
      // IDB: link type RAW, snaplen 100, if_name "x0", if_tsresol 2^-10 (0x8a), opt_endofopt.
      const idb = block(
        1,
        [
          ...words(le, [101, 2], [0, 2], [100, 4], [2, 2], [2, 2]),
          0x78,
          0x30,
          0,
          0,
          ...words(le, [9, 2], [1, 2]),
          0x8a,
          0,
          0,
          0,
          0,
          0,
          0,
          0,
        ],
        le,
      )
      const idbMicro = block(1, words(le, [1, 2], [0, 2], [0, 4]), le)
      // EPB on interface 0: timestamp 3 * 1024 + 512 units of 2^-10 s = 3.5 s.
      const epb = block(
        6,
        [...words(le, [0, 4], [0, 4], [3 * 1024 + 512, 4], [3, 4], [5, 4]), 0x45, 0x00, 0x00],
        le,
      )
      const spb = block(3, [...words(le, [2, 4]), 0xaa, 0xbb], le)
      const unknown = block(0x00000bad, [1, 2, 3, 4], le)
      const epb1 = block(6, [...words(le, [1, 4], [1, 4], [0, 4], [1, 4], [1, 4]), 0xcc], le)
      const file = readPcapng(concat(section(le), idb, idbMicro, unknown, epb, spb, epb1))
      expect(file.sections).toEqual([{ byteOrder: le ? 'little' : 'big', versionMajor: 1, versionMinor: 0 }])
      expect(file.interfaces.map((i) => [i.linkType, i.name, i.timestampUnitsPerSecond])).toEqual([
        [101, 'x0', 1024n],
        [1, undefined, 1_000_000n],
      ])
      expect(
        file.packets.map((p) => [Array.from(p.data), p.originalLength, p.linkType, p.interfaceIndex]),
      ).toEqual([
        [[0x45, 0, 0], 5, 101, 0],
        [[0xaa, 0xbb], 2, 101, 0],
        [[0xcc], 1, 1, 1],
      ])
      expect(file.packets[0]!.timestamp).toEqual({ seconds: 3, nanoseconds: 500_000_000 })
      // 2^32 microseconds.
      expect(file.packets[2]!.timestamp).toEqual({ seconds: 4294, nanoseconds: 967_296_000 })
    })
  }

  it('reads interfaces per section: a second section resets them', () => {
    const idb = (linkType: number) => block(1, words(true, [linkType, 2], [0, 2], [0, 4]), true)
    const epb = block(6, [...words(true, [0, 4], [0, 4], [0, 4], [1, 4], [1, 4]), 0xcc], true)
    const file = readPcapng(
      concat(
        section(true),
        idb(1),
        epb,
        section(false),
        block(1, words(false, [101, 2], [0, 2], [0, 4]), false),
        block(6, [...words(false, [0, 4], [0, 4], [0, 4], [1, 4], [1, 4]), 0xdd], false),
      ),
    )
    expect(file.sections.map((s) => s.byteOrder)).toEqual(['little', 'big'])
    expect(file.packets.map((p) => [p.linkType, p.interfaceIndex])).toEqual([
      [1, 0],
      [101, 1],
    ])
  })

  it('refuses malformed files with InvalidPacketError', () => {
    const le = true
    const idb = block(1, words(le, [1, 2], [0, 2], [0, 4]), le)
    const epb = block(6, [...words(le, [0, 4], [0, 4], [0, 4], [3, 4], [3, 4]), 1, 2, 3], le)
    const good = concat(section(le), idb, epb)
    expect(readPcapng(good).packets).toHaveLength(1)
    for (let length = 1; length < good.length; length++) {
      if (length === section(le).length || length === section(le).length + idb.length) continue
      expect(() => readPcapng(good.subarray(0, length)), `length ${length}`).toThrow(invalidPacket)
    }
    // A packet before its interface, a packet naming interface 1, a trailing length that differs.
    expect(() => readPcapng(concat(section(le), epb))).toThrow(invalidPacket)
    expect(() =>
      readPcapng(concat(section(le), idb, block(6, words(le, [1, 4], [0, 4], [0, 4], [0, 4], [0, 4]), le))),
    ).toThrow(invalidPacket)
    const mismatched = good.slice()
    mismatched[mismatched.length - 4] = 0
    expect(() => readPcapng(mismatched)).toThrow(invalidPacket)
    // A captured length beyond the block.
    expect(() =>
      readPcapng(concat(section(le), idb, block(6, words(le, [0, 4], [0, 4], [0, 4], [9, 4], [9, 4]), le))),
    ).toThrow(invalidPacket)
    expect(() => readPcapng(new Uint8Array(8))).toThrow(invalidPacket)
  })
})

describe('readCaptureFile', () => {
  it('tells pcap from pcapng', () => {
    expect(readCaptureFile(fixture('udp-ipv4.pcap')).format).toBe('pcap')
    expect(readCaptureFile(fixture('tcp-ipv6.pcapng')).format).toBe('pcapng')
    expect(() => readCaptureFile(new TextEncoder().encode('hello, not a capture'))).toThrow(invalidPacket)
    expect(() => readCaptureFile(new Uint8Array(0))).toThrow(invalidPacket)
  })
})
