import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import {
  buildPacket,
  type DissectedLayer,
  dissect,
  LinkType,
  readCaptureFile,
  readPcap,
} from '../src/packet/index.js'
import { TCP_SYN_FRAME, UDP_IPV4_FRAME, UDP_IPV6_FRAME } from './fixtures/frames.js'

const fixture = (name: string) => new Uint8Array(readFileSync(new URL(`./fixtures/${name}`, import.meta.url)))
const hello = new TextEncoder().encode('hello')
const fieldOf = (layer: DissectedLayer | undefined, name: string) =>
  layer?.fields.find((field) => field.name === name)

describe('buildPacket', () => {
  it('builds Ethernet + IPv4 + UDP with the layer boundaries', () => {
    const built = buildPacket({
      transport: 'udp',
      from: { address: '127.0.0.1', port: 52794 },
      to: { address: '127.0.0.1', port: 40884 },
      payload: new TextEncoder().encode('hello udp'),
      identification: 0x3e75,
      sourceMac: '00:00:00:00:00:00',
      destinationMac: '00:00:00:00:00:00',
    })
    // The captured frame, with the UDP checksum the kernel left to offload filled in (0x6a83).
    const expected = UDP_IPV4_FRAME.slice()
    expected.set([0x6a, 0x83], 40)
    expect(built.frame).toEqual(expected)
    expect(built.layers).toEqual([
      { layer: 'link', protocol: 'Ethernet II', offset: 0, length: 14 },
      { layer: 'network', protocol: 'IPv4', offset: 14, length: 20 },
      { layer: 'transport', protocol: 'UDP', offset: 34, length: 8 },
      { layer: 'application', protocol: 'Data', offset: 42, length: 9 },
    ])
  })

  it('builds IPv6 + TCP with options, and dissects back to the same values', () => {
    const built = buildPacket({
      transport: 'tcp',
      from: { address: '2001:db8::1', port: 40000 },
      to: { address: '2001:db8::2', port: 80 },
      payload: hello,
      ttl: 7,
      tcp: {
        seq: 100,
        ack: 200,
        flags: { syn: true, ack: true },
        window: 1024,
        options: [{ kind: 'mss', value: 1440 }, { kind: 'nop' }, { kind: 'window-scale', shift: 7 }],
      },
    })
    expect(built.layers.map((layer) => layer.length)).toEqual([14, 40, 28, 5])
    const dissection = dissect(built.frame, LinkType.EN10MB)
    expect(dissection.ip).toEqual({ version: 6, source: '2001:db8::1', destination: '2001:db8::2', ttl: 7 })
    expect(dissection.tcp?.header).toMatchObject({
      sequenceNumber: 100,
      acknowledgmentNumber: 200,
      window: 1024,
    })
    expect(dissection.tcp?.checksumValid).toBe(true)
    expect(dissection.payload).toEqual(hello)
    expect(
      dissection.layers.map(({ layer, protocol, offset, length }) => ({ layer, protocol, offset, length })),
    ).toEqual(built.layers)
    const tcp = dissection.layers[2]
    expect(fieldOf(tcp, 'Flags')).toMatchObject({
      value: '0x012',
      note: 'SYN, ACK',
      offset: 54 + 12,
      length: 2,
    })
    expect(fieldOf(tcp, 'Option: Maximum segment size')).toMatchObject({ value: 1440, offset: 74, length: 4 })
    expect(fieldOf(tcp, 'Option: Window scale')).toMatchObject({ value: '7 (multiply by 128)', length: 3 })
  })

  for (const linkType of [
    LinkType.EN10MB,
    LinkType.LINUX_SLL,
    LinkType.LINUX_SLL2,
    LinkType.NULL,
    LinkType.LOOP,
    LinkType.RAW,
  ]) {
    for (const [from, to] of [
      ['192.0.2.1', '198.51.100.2'],
      ['::1', '::1'],
    ] as const) {
      for (const transport of ['udp', 'tcp'] as const) {
        it(`round-trips ${transport} over ${from.includes(':') ? 'IPv6' : 'IPv4'} on link type ${linkType}`, () => {
          const built = buildPacket({
            transport,
            from: { address: from, port: 1 },
            to: { address: to, port: 2 },
            payload: hello,
            linkType,
          })
          const dissection = dissect(built.frame, linkType)
          expect(dissection.layers.map((layer) => [layer.layer, layer.offset, layer.length])).toEqual(
            built.layers.map((layer) => [layer.layer, layer.offset, layer.length]),
          )
          expect(dissection.payload).toEqual(hello)
          expect(dissection.layers.every((layer) => layer.checksumValid !== false)).toBe(true)
        })
      }
    }
  }

  it('refuses mixed families, bad addresses, ports and link types with typed errors', () => {
    const base = {
      transport: 'udp' as const,
      from: { address: '127.0.0.1', port: 1 },
      to: { address: '127.0.0.1', port: 2 },
      payload: hello,
    }
    expect(() => buildPacket({ ...base, to: { address: '::1', port: 2 } })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ADDRESS' }),
    )
    expect(() => buildPacket({ ...base, to: { address: 'localhost', port: 2 } })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ADDRESS' }),
    )
    expect(() => buildPacket({ ...base, from: { address: '127.0.0.1', port: 70000 } })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
    )
    expect(() => buildPacket({ ...base, linkType: 9999 })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
    )
    expect(() => buildPacket({ ...base, linkType: LinkType.IPV6 })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
    )
    expect(() => buildPacket({ ...base, ttl: 256 })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
    )
  })

  it('refuses a payload larger than one IP packet holds (65507 bytes of UDP over IPv4)', () => {
    const base = {
      transport: 'udp' as const,
      from: { address: '127.0.0.1', port: 1 },
      to: { address: '127.0.0.1', port: 2 },
    }
    expect(buildPacket({ ...base, payload: new Uint8Array(65507) }).frame.length).toBe(14 + 65535)
    expect(() => buildPacket({ ...base, payload: new Uint8Array(65508) })).toThrow(
      expect.objectContaining({ code: 'ERR_MESSAGE_TOO_LARGE', limit: 65507 }),
    )
    const v6 = { ...base, from: { address: '::1', port: 1 }, to: { address: '::1', port: 2 } }
    expect(() => buildPacket({ ...v6, payload: new Uint8Array(65528) })).toThrow(
      expect.objectContaining({ code: 'ERR_MESSAGE_TOO_LARGE', limit: 65527 }),
    )
    expect(() => buildPacket({ ...v6, transport: 'tcp', payload: new Uint8Array(65516) })).toThrow(
      expect.objectContaining({ code: 'ERR_MESSAGE_TOO_LARGE', limit: 65515 }),
    )
  })
})

describe('dissect', () => {
  it('lists every field of a captured UDP frame with offsets, and flags the offloaded checksum', () => {
    const dissection = dissect(UDP_IPV4_FRAME, LinkType.EN10MB)
    expect(dissection.layers.map((layer) => layer.protocol)).toEqual(['Ethernet II', 'IPv4', 'UDP', 'Data'])
    const [link, ip, udp] = dissection.layers
    expect(fieldOf(link, 'Type')).toEqual({
      name: 'Type',
      value: '0x0800',
      offset: 12,
      length: 2,
      note: 'IPv4',
    })
    expect(fieldOf(ip, 'Time to live')).toEqual({ name: 'Time to live', value: 64, offset: 22, length: 1 })
    expect(fieldOf(ip, "Don't fragment")).toMatchObject({ value: true, offset: 20, length: 2, mask: 0x4000 })
    expect(fieldOf(ip, 'Header checksum')).toMatchObject({ value: '0xfe50', note: 'correct', offset: 24 })
    expect(fieldOf(udp, 'Checksum')).toMatchObject({ value: '0xfe24', offset: 40, length: 2 })
    expect(fieldOf(udp, 'Checksum')?.note).toMatch(/^incorrect, should be 0x6a83/)
    expect(udp?.checksumValid).toBe(false)
    expect(new TextDecoder().decode(dissection.payload)).toBe('hello udp')
  })

  it('shows the IPv6 fields and the TCP options of a captured SYN', () => {
    const v6 = dissect(UDP_IPV6_FRAME, LinkType.EN10MB)
    expect(fieldOf(v6.layers[1], 'Flow label')).toMatchObject({ value: '0x718e6', offset: 15, length: 3 })
    expect(fieldOf(v6.layers[2], 'Checksum')?.note).toMatch(/should be 0xa4fb/)
    const syn = dissect(TCP_SYN_FRAME, LinkType.EN10MB)
    expect(
      syn.layers[2]!.fields.filter((field) => field.name.startsWith('Option')).map((field) => [
        field.name,
        field.value,
      ]),
    ).toEqual([
      ['Option: Maximum segment size', 65495],
      ['Option: SACK permitted', true],
      ['Option: Timestamps', 'TSval 1634114680, TSecr 0'],
      ['Option: No-Operation', 'NOP'],
      ['Option: Window scale', '10 (multiply by 1024)'],
    ])
    expect(fieldOf(syn.layers[2], 'Checksum')?.note).toMatch(/should be 0xb51c/)
    expect(syn.layers[3]).toMatchObject({ layer: 'application', length: 0, fields: [] })
  })

  it('reads every fixture capture the same whatever the link type', () => {
    for (const name of ['udp-sll.pcap', 'udp-sll2.pcap']) {
      const [packet] = readPcap(fixture(name)).packets
      const dissection = dissect(packet!.data, packet!.linkType)
      expect(dissection.layers.map((layer) => layer.layer)).toEqual([
        'link',
        'network',
        'transport',
        'application',
      ])
      expect(dissection.udp?.header.destinationPort).toBeGreaterThan(0)
    }
    const v6 = readCaptureFile(fixture('tcp-ipv6.pcapng')).packets.map((packet) =>
      dissect(packet.data, packet.linkType),
    )
    expect(v6.map((d) => d.tcp?.payload.length)).toEqual([0, 0, 0, 5, 0, 5, 0, 0, 0, 0])
  })

  it('keeps Ethernet padding apart as the trailer', () => {
    const padded = new Uint8Array(60)
    padded.set(UDP_IPV4_FRAME)
    const dissection = dissect(padded, LinkType.EN10MB)
    expect(dissection.trailer.length).toBe(60 - UDP_IPV4_FRAME.length)
    expect(dissection.payload.length).toBe(9)
  })

  it('ends at layers it does not decode: ARP, ICMP, IPv4 fragments, unknown link types', () => {
    const arp = UDP_IPV4_FRAME.slice()
    arp.set([0x08, 0x06], 12)
    expect(dissect(arp, 1).layers.map((layer) => layer.protocol)).toEqual(['Ethernet II', 'ARP'])
    const built = buildPacket({
      transport: 'udp',
      from: { address: '10.0.0.1', port: 1 },
      to: { address: '10.0.0.2', port: 2 },
      payload: hello,
      linkType: LinkType.RAW,
    })
    const icmp = built.frame.slice()
    icmp[9] = 1
    expect(dissect(icmp, LinkType.RAW).layers.map((layer) => layer.protocol)).toEqual([
      'Raw IP (no link header)',
      'IPv4',
      'ICMP',
    ])
    const fragment = built.frame.slice()
    fragment[6] = 0x20
    expect(dissect(fragment, LinkType.RAW).layers.at(-1)?.protocol).toBe('UDP fragment')
    expect(dissect(hello, 147).layers).toEqual([
      { layer: 'link', protocol: 'link type 147', offset: 0, length: 0, fields: [] },
      {
        layer: 'network',
        protocol: 'link type 147 (not decoded)',
        offset: 0,
        length: 5,
        fields: [{ name: 'Data', value: '5 bytes', offset: 0, length: 5 }],
      },
    ])
  })

  it('decodes one 802.1Q VLAN tag', () => {
    const tagged = new Uint8Array(UDP_IPV4_FRAME.length + 4)
    tagged.set(UDP_IPV4_FRAME.subarray(0, 12))
    tagged.set([0x81, 0x00, 0x20, 0x64, 0x08, 0x00], 12)
    tagged.set(UDP_IPV4_FRAME.subarray(14), 18)
    const dissection = dissect(tagged, LinkType.EN10MB)
    expect(fieldOf(dissection.layers[0], 'VLAN ID')?.value).toBe(100)
    expect(dissection.layers[0]!.length).toBe(18)
    expect(dissection.udp?.header.sourcePort).toBe(52794)
  })
})
