import {
  type CapturedPacket,
  type DissectedLayer,
  type Dissection,
  decodeText,
  dissect,
  formatHostPort,
  isProtolabError,
  type PacketTimestamp,
  readCaptureFile,
} from '@protolab/core'
import { type TcpSegment, type TcpStory, tellTcpStories } from './tcp-story.js'

/** One packet of a capture file, layer by layer. */
export interface PacketReport {
  /** Its number in the file, from 1 (as Wireshark numbers them). */
  readonly number: number
  /** Seconds since the first packet of the file. */
  readonly time: number
  readonly timestamp: PacketTimestamp
  readonly capturedLength: number
  readonly originalLength: number
  readonly linkType: number
  /** One line: protocol, addresses and ports, TCP flags, payload size. */
  readonly summary: string
  readonly layers: readonly DissectedLayer[]
  /** The payload decoded in the chosen encoding, when there is one. */
  readonly text?: string
  readonly payloadBytes: number
  /** Why the packet could not be taken apart (a truncated or malformed header). */
  readonly error?: string
}

/** What `protolab layers --read` shows, and prints with `--json`. */
export interface ReadReport {
  readonly file: string
  readonly format: 'pcap' | 'pcapng'
  readonly encoding: string
  readonly packets: readonly PacketReport[]
  /** One story per TCP connection. */
  readonly tcp: readonly TcpStory[]
}

/**
 * Reads a pcap or pcapng file: every packet taken apart into its layers with its payload decoded
 * in `encoding`, and the story of every TCP connection in it. A packet that cannot be taken apart
 * is reported with its error; the others are still shown.
 * @throws InvalidPacketError when the file itself is not a readable capture.
 * @throws UnknownEncodingError for an unknown encoding.
 */
export function readCaptureReport(bytes: Uint8Array, file: string, encoding: string): ReadReport {
  decodeText(new Uint8Array(0), encoding)
  const capture = readCaptureFile(bytes)
  const start = capture.packets[0]?.timestamp
  const segments: TcpSegment[] = []
  const packets = capture.packets.map((packet, index) => {
    const number = index + 1
    const time = start === undefined ? 0 : secondsBetween(start, packet.timestamp)
    const base = {
      number,
      time,
      timestamp: packet.timestamp,
      capturedLength: packet.data.length,
      originalLength: packet.originalLength,
      linkType: packet.linkType,
    }
    let dissection: Dissection
    try {
      dissection = dissect(packet.data, packet.linkType)
    } catch (error) {
      if (!isProtolabError(error)) throw error
      return {
        ...base,
        summary: `not decoded: ${error.message}`,
        layers: [],
        payloadBytes: 0,
        error: error.message,
      }
    }
    const segment = tcpSegmentOf(dissection, number)
    if (segment !== undefined) segments.push(segment)
    return {
      ...base,
      summary: summarize(dissection, packet),
      layers: dissection.layers,
      payloadBytes: dissection.payload.length,
      ...(dissection.payload.length > 0 ? { text: decodeText(dissection.payload, encoding) } : {}),
    }
  })
  return { file, format: capture.format, encoding, packets, tcp: tellTcpStories(segments) }
}

function secondsBetween(from: PacketTimestamp, to: PacketTimestamp): number {
  return to.seconds - from.seconds + (to.nanoseconds - from.nanoseconds) / 1e9
}

function tcpSegmentOf(dissection: Dissection, number: number): TcpSegment | undefined {
  const { ip, tcp } = dissection
  if (ip === undefined || tcp === undefined) return undefined
  return {
    number,
    source: formatHostPort(ip.source, tcp.header.sourcePort),
    destination: formatHostPort(ip.destination, tcp.header.destinationPort),
    seq: tcp.header.sequenceNumber,
    ack: tcp.header.acknowledgmentNumber,
    flags: tcp.header.flags,
    payloadLength: tcp.payload.length,
  }
}

function summarize(dissection: Dissection, packet: CapturedPacket): string {
  const { ip, udp, tcp } = dissection
  const cut = packet.originalLength > packet.data.length ? ` (${packet.originalLength} on the wire)` : ''
  const size = `${packet.data.length} bytes${cut}`
  if (ip !== undefined && (udp !== undefined || tcp !== undefined)) {
    const header = (udp ?? tcp)!.header
    const route = `${formatHostPort(ip.source, header.sourcePort)} → ${formatHostPort(ip.destination, header.destinationPort)}`
    if (tcp !== undefined) {
      const flags = dissection.layers
        .find((layer) => layer.layer === 'transport')
        ?.fields.find((f) => f.name === 'Flags')
      return `TCP ${route} [${flags?.note ?? ''}] seq ${tcp.header.sequenceNumber} ack ${tcp.header.acknowledgmentNumber}, ${tcp.payload.length} bytes of data, ${size}`
    }
    return `UDP ${route}, ${udp!.payload.length} bytes of data, ${size}`
  }
  const last = dissection.layers[dissection.layers.length - 1]
  const route = ip === undefined ? '' : ` ${ip.source} → ${ip.destination}`
  return `${last?.protocol ?? 'unknown'}${route}, ${size}`
}
