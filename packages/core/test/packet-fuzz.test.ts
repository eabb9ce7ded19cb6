import { readFileSync } from 'node:fs'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { InvalidPacketError } from '../src/errors.js'
import {
  buildPacket,
  decodeIpv4Options,
  decodeTcpOptions,
  dissect,
  EthernetHeader,
  findIpv6UpperLayer,
  Ipv4Header,
  Ipv6Header,
  LinkType,
  LoopbackHeader,
  readCaptureFile,
  readPcap,
  readPcapng,
  SllHeader,
  TcpHeader,
  UdpHeader,
} from '../src/packet/index.js'
import { TCP_DATA_FRAME, TCP_SYN_FRAME, UDP_IPV4_FRAME, UDP_IPV6_FRAME } from './fixtures/frames.js'

const fixture = (name: string) => new Uint8Array(readFileSync(new URL(`./fixtures/${name}`, import.meta.url)))
const v4 = { source: '10.0.0.1', destination: '10.0.0.2' }
const v6 = { source: 'fe80::1', destination: 'fe80::2' }
const LINK_TYPES = [0, 1, 101, 108, 113, 228, 229, 276, 147]
const RUNS = 2000

/** Runs `parse` and fails unless it returns or throws an InvalidPacketError. */
function onlyTypedErrors(parse: () => unknown): void {
  try {
    parse()
  } catch (error) {
    if (!(error instanceof InvalidPacketError)) throw error
  }
}

const parsers: Record<string, (bytes: Uint8Array) => unknown> = {
  ethernet: (bytes) => EthernetHeader.parse(bytes),
  sll: (bytes) => SllHeader.parse(bytes, 1),
  sll2: (bytes) => SllHeader.parse(bytes, 2),
  loopback: (bytes) => LoopbackHeader.parse(bytes),
  ipv4: (bytes) => Ipv4Header.parse(bytes),
  ipv4Options: (bytes) => decodeIpv4Options(bytes),
  ipv6: (bytes) => Ipv6Header.parse(bytes),
  ipv6Extensions: (bytes) => findIpv6UpperLayer(bytes[0] ?? 0, bytes.subarray(1)),
  udp4: (bytes) => UdpHeader.parse(bytes, v4),
  udp6: (bytes) => UdpHeader.parse(bytes, v6),
  tcp4: (bytes) => TcpHeader.parse(bytes, v4),
  tcp6: (bytes) => TcpHeader.parse(bytes, v6),
  tcpOptions: (bytes) => decodeTcpOptions(bytes),
  pcap: (bytes) => readPcap(bytes),
  pcapng: (bytes) => readPcapng(bytes),
  captureFile: (bytes) => readCaptureFile(bytes),
}

/** Random bytes that often start like the real thing, so parsers get past their first checks. */
function bytesLike(seed: Uint8Array): fc.Arbitrary<Uint8Array> {
  return fc.oneof(
    fc.uint8Array({ maxLength: 128 }),
    fc
      .tuple(fc.integer({ min: 0, max: seed.length }), fc.uint8Array({ maxLength: 64 }))
      .map(([keep, tail]) => {
        const out = new Uint8Array(keep + tail.length)
        out.set(seed.subarray(0, keep))
        out.set(tail, keep)
        return out
      }),
  )
}

const SEEDS: Record<string, Uint8Array> = {
  ipv4: UDP_IPV4_FRAME.subarray(14),
  ipv6: UDP_IPV6_FRAME.subarray(14),
  udp4: UDP_IPV4_FRAME.subarray(34),
  udp6: UDP_IPV6_FRAME.subarray(54),
  tcp4: TCP_SYN_FRAME.subarray(34),
  tcp6: TCP_SYN_FRAME.subarray(34),
  tcpOptions: TCP_SYN_FRAME.subarray(54),
  pcap: fixture('tcp-ipv4.pcap'),
  pcapng: fixture('tcp-ipv6.pcapng'),
  captureFile: fixture('udp-sll2.pcap'),
}

describe('fuzzing: random, truncated and corrupted bytes give InvalidPacketError only', () => {
  for (const [name, parse] of Object.entries(parsers)) {
    it(`${name} on random bytes`, () => {
      fc.assert(
        fc.property(bytesLike(SEEDS[name] ?? UDP_IPV4_FRAME), (bytes) => onlyTypedErrors(() => parse(bytes))),
        { numRuns: RUNS },
      )
    })
  }

  const frames = [UDP_IPV4_FRAME, UDP_IPV6_FRAME, TCP_SYN_FRAME, TCP_DATA_FRAME]

  it('dissect on every truncation of real frames', () => {
    for (const frame of frames) {
      for (let length = 0; length <= frame.length; length++) {
        for (const linkType of LINK_TYPES) onlyTypedErrors(() => dissect(frame.subarray(0, length), linkType))
      }
    }
  })

  it('dissect on corrupted frames, built and captured, for every link type', () => {
    const built = fc
      .record({
        transport: fc.constantFrom('udp' as const, 'tcp' as const),
        v6: fc.boolean(),
        linkType: fc.constantFrom(0, 1, 101, 108, 113, 276),
        payload: fc.uint8Array({ maxLength: 40 }),
      })
      .map(({ transport, v6: six, linkType, payload }) => ({
        frame: buildPacket({
          transport,
          from: { address: six ? '::1' : '127.0.0.1', port: 1000 },
          to: { address: six ? '::2' : '127.0.0.2', port: 2000 },
          payload,
          linkType,
          tcp: {
            options: [
              { kind: 'mss', value: 1460 },
              { kind: 'sack', blocks: [{ left: 1, right: 2 }] },
            ],
          },
        }).frame,
        linkType,
      }))
    const captured = fc.constantFrom(...frames).map((frame) => ({ frame, linkType: 1 }))
    const corruption = fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), {
      minLength: 1,
      maxLength: 6,
    })
    fc.assert(
      fc.property(
        fc.oneof(built, captured),
        corruption,
        fc.constantFrom(...LINK_TYPES, -1),
        ({ frame, linkType }, edits, other) => {
          const corrupted = frame.slice()
          for (const [at, value] of edits) corrupted[at % corrupted.length] = value
          onlyTypedErrors(() => dissect(corrupted, other === -1 ? linkType : other))
        },
      ),
      { numRuns: RUNS },
    )
  })

  it('capture files with corrupted bytes', () => {
    const files = [fixture('tcp-ipv4.pcap'), fixture('tcp-ipv6.pcapng'), fixture('udp-sll.pcap')]
    fc.assert(
      fc.property(
        fc.constantFrom(...files),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
        fc.nat(),
        (file, edits, cut) => {
          const corrupted = file.slice(0, file.length - (cut % 40))
          for (const [at, value] of edits) corrupted[at % corrupted.length] = value
          onlyTypedErrors(() => {
            for (const packet of readCaptureFile(corrupted).packets) dissect(packet.data, packet.linkType)
          })
        },
      ),
      { numRuns: RUNS },
    )
  })
})

describe('property: build then dissect gives back what was built', () => {
  it('ports, addresses, TCP fields and payload survive, with valid checksums', () => {
    fc.assert(
      fc.property(
        fc.record({
          transport: fc.constantFrom('udp' as const, 'tcp' as const),
          v6: fc.boolean(),
          fromPort: fc.integer({ min: 0, max: 65535 }),
          toPort: fc.integer({ min: 0, max: 65535 }),
          seq: fc.nat({ max: 0xffffffff }),
          ack: fc.nat({ max: 0xffffffff }),
          flags: fc.integer({ min: 0, max: 0x1ff }),
          window: fc.integer({ min: 0, max: 65535 }),
          ttl: fc.integer({ min: 0, max: 255 }),
          payload: fc.uint8Array({ maxLength: 300 }),
        }),
        (input) => {
          const [from, to] = input.v6 ? ['2001:db8::a', '2001:db8::b'] : ['192.0.2.10', '192.0.2.11']
          const flagNames = ['fin', 'syn', 'rst', 'psh', 'ack', 'urg', 'ece', 'cwr', 'ae'] as const
          const flags = Object.fromEntries(
            flagNames.map((name, bit) => [name, (input.flags & (1 << bit)) !== 0]),
          )
          const built = buildPacket({
            transport: input.transport,
            from: { address: from, port: input.fromPort },
            to: { address: to, port: input.toPort },
            payload: input.payload,
            ttl: input.ttl,
            tcp: { seq: input.seq, ack: input.ack, flags, window: input.window },
          })
          const result = dissect(built.frame, LinkType.EN10MB)
          expect(result.ip).toEqual({
            version: input.v6 ? 6 : 4,
            source: from,
            destination: to,
            ttl: input.ttl,
          })
          expect(result.payload).toEqual(input.payload)
          const transport = input.transport === 'udp' ? result.udp : result.tcp
          expect(transport?.header.sourcePort).toBe(input.fromPort)
          expect(transport?.header.destinationPort).toBe(input.toPort)
          expect(transport?.checksumValid).toBe(true)
          if (input.transport === 'tcp') {
            expect(result.tcp?.header).toMatchObject({
              sequenceNumber: input.seq,
              acknowledgmentNumber: input.ack,
              window: input.window,
              flags,
            })
          }
        },
      ),
      { numRuns: 500 },
    )
  })
})
