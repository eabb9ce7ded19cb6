import { InvalidPacketError } from '../errors.js'
import { hex, toHex } from './_bytes.js'
import { type IpAddresses, IpProtocol, internetChecksum, pseudoHeaderSumOf } from './checksum.js'
import { ETHERNET_HEADER_LENGTH, EthernetHeader, EtherType } from './ethernet.js'
import { decodeIpv4Options, Ipv4Header, type ParsedIpv4 } from './ipv4.js'
import { findIpv6UpperLayer, IPV6_HEADER_LENGTH, Ipv6Header, type ParsedIpv6 } from './ipv6.js'
import type { LayerName, LayerSpan } from './layers.js'
import { LoopbackHeader, loopbackFamilyVersion } from './loopback.js'
import { LINK_TYPE_NAMES, LinkType } from './pcap.js'
import { SLL_PACKET_TYPE_NAMES, SllHeader } from './sll.js'
import {
  decodeTcpOptionSpans,
  formatTcpFlags,
  type ParsedTcp,
  TcpHeader,
  type TcpOption,
  TcpView,
} from './tcp.js'
import { type ParsedUdp, UdpHeader, UdpView } from './udp.js'

/** One field of a header, for display: what it is called, its value and where its bytes are. */
export interface PacketField {
  readonly name: string
  readonly value: string | number | boolean
  /** Offset of the field's first byte in the frame. */
  readonly offset: number
  /** Bytes the field occupies (a bit field: the bytes that hold it, with `mask`). */
  readonly length: number
  /** For bit fields: which bits of those bytes are the field's. */
  readonly mask?: number
  /** What the value means: `IPv4`, `correct`, `SYN, ACK`, ... */
  readonly note?: string
}

/** A layer of a dissected frame with its fields. */
export interface DissectedLayer extends LayerSpan {
  readonly fields: readonly PacketField[]
  /** For layers with a checksum: whether it is correct. */
  readonly checksumValid?: boolean
}

/** A frame taken apart layer by layer. */
export interface Dissection {
  readonly linkType: number
  /** The frame's length in bytes. */
  readonly length: number
  /** Link, network, transport and application, as far as they could be decoded. */
  readonly layers: readonly DissectedLayer[]
  /** The network layer's addresses and hop limit, when it is IP. */
  readonly ip?: {
    readonly version: 4 | 6
    readonly source: string
    readonly destination: string
    readonly ttl: number
  }
  readonly ipv4?: ParsedIpv4
  readonly ipv6?: ParsedIpv6
  readonly udp?: ParsedUdp
  readonly tcp?: ParsedTcp
  /** The application data (empty when there is none or the transport is not UDP or TCP). */
  readonly payload: Uint8Array
  /** Bytes after the IP packet, such as Ethernet padding; empty when there are none. */
  readonly trailer: Uint8Array
}

const ETHER_TYPE_NAMES: Readonly<Record<number, string>> = {
  [EtherType.IPV4]: 'IPv4',
  [EtherType.IPV6]: 'IPv6',
  [EtherType.ARP]: 'ARP',
  [EtherType.VLAN]: '802.1Q VLAN',
}

const IP_PROTOCOL_NAMES: Readonly<Record<number, string>> = {
  0: 'IPv6 Hop-by-Hop Options',
  1: 'ICMP',
  2: 'IGMP',
  6: 'TCP',
  17: 'UDP',
  43: 'IPv6 Routing',
  44: 'IPv6 Fragment',
  50: 'ESP',
  51: 'AH',
  58: 'ICMPv6',
  59: 'IPv6 No Next Header',
  60: 'IPv6 Destination Options',
}

/** The name of an IP protocol number (`UDP`), or `protocol N`. */
export function ipProtocolName(protocol: number): string {
  return IP_PROTOCOL_NAMES[protocol] ?? `protocol ${protocol}`
}

/** What the link layer says comes next. */
type NextProtocol = { readonly ipVersion: 4 | 6 } | { readonly other: string }

/**
 * Takes a frame apart: the link layer given by `linkType` (see {@link LinkType}), then IPv4 or IPv6,
 * UDP or TCP, and the application data, each layer with its fields for display. Checksums are
 * verified and reported, never thrown. Layers it does not decode (ARP, ICMP, a link type it does not
 * know, a fragment) end the list as a layer of plain data.
 * @throws InvalidPacketError when a layer it decodes is truncated or malformed.
 */
export function dissect(frame: Uint8Array, linkType: number): Dissection {
  const layers: DissectedLayer[] = []
  const link = dissectLink(frame, linkType)
  layers.push(link.layer)
  let rest = frame.subarray(link.layer.length)
  let offset = link.layer.length
  const base = {
    linkType,
    length: frame.length,
    layers,
    payload: new Uint8Array(0),
    trailer: new Uint8Array(0),
  }
  if ('other' in link.next) {
    if (rest.length > 0) layers.push(dataLayer('network', link.next.other, offset, rest.length))
    return base
  }

  let addresses: IpAddresses
  let protocol: number
  let ttl: number
  let ipv4: ParsedIpv4 | undefined
  let ipv6: ParsedIpv6 | undefined
  let fragment: boolean
  let trailer: Uint8Array
  if (link.next.ipVersion === 4) {
    ipv4 = Ipv4Header.parse(rest)
    layers.push(ipv4Layer(ipv4, rest, offset))
    addresses = ipv4.header
    protocol = ipv4.header.protocol
    ttl = ipv4.header.ttl
    fragment = ipv4.header.moreFragments || ipv4.header.fragmentOffset > 0
    trailer = rest.subarray(ipv4.totalLength)
    offset += ipv4.headerLength
    rest = ipv4.payload
  } else {
    ipv6 = Ipv6Header.parse(rest)
    const upper = findIpv6UpperLayer(ipv6.header.nextHeader, ipv6.payload)
    layers.push(ipv6Layer(ipv6, upper.extensions, offset))
    addresses = ipv6.header
    protocol = upper.protocol
    ttl = ipv6.header.hopLimit
    fragment = upper.fragment
    trailer = rest.subarray(IPV6_HEADER_LENGTH + ipv6.payloadLength)
    offset += IPV6_HEADER_LENGTH + upper.offset
    rest = ipv6.payload.subarray(upper.offset)
  }
  const ip = {
    version: link.next.ipVersion,
    source: addresses.source,
    destination: addresses.destination,
    ttl,
  }
  const withIp = { ...base, ip, trailer, ...(ipv4 ? { ipv4 } : {}), ...(ipv6 ? { ipv6 } : {}) }

  if (fragment) {
    layers.push(dataLayer('transport', `${ipProtocolName(protocol)} fragment`, offset, rest.length))
    return withIp
  }
  if (protocol === IpProtocol.UDP) {
    const udp = UdpHeader.parse(rest, addresses)
    layers.push(udpLayer(udp, rest, addresses, offset))
    layers.push(applicationLayer(offset + 8, udp.payload.length))
    return { ...withIp, udp, payload: udp.payload }
  }
  if (protocol === IpProtocol.TCP) {
    const tcp = TcpHeader.parse(rest, addresses)
    layers.push(tcpLayer(tcp, rest, addresses, offset))
    layers.push(applicationLayer(offset + tcp.headerLength, tcp.payload.length))
    return { ...withIp, tcp, payload: tcp.payload }
  }
  layers.push(dataLayer('transport', ipProtocolName(protocol), offset, rest.length))
  return withIp
}

function field(
  name: string,
  value: string | number | boolean,
  offset: number,
  length: number,
  extra: { mask?: number; note?: string } = {},
): PacketField {
  return { name, value, offset, length, ...extra }
}

function dataLayer(layer: LayerName, protocol: string, offset: number, length: number): DissectedLayer {
  return { layer, protocol, offset, length, fields: [field('Data', `${length} bytes`, offset, length)] }
}

function applicationLayer(offset: number, length: number): DissectedLayer {
  return {
    layer: 'application',
    protocol: 'Data',
    offset,
    length,
    fields: length === 0 ? [] : [field('Data', `${length} bytes`, offset, length)],
  }
}

function etherTypeNext(etherType: number): NextProtocol {
  if (etherType === EtherType.IPV4) return { ipVersion: 4 }
  if (etherType === EtherType.IPV6) return { ipVersion: 6 }
  return { other: ETHER_TYPE_NAMES[etherType] ?? `EtherType ${hex(etherType, 4)}` }
}

function etherTypeNote(etherType: number): { note?: string } {
  const name = ETHER_TYPE_NAMES[etherType]
  return name === undefined ? {} : { note: name }
}

function dissectLink(frame: Uint8Array, linkType: number): { layer: DissectedLayer; next: NextProtocol } {
  switch (linkType) {
    case LinkType.EN10MB: {
      const { header } = EthernetHeader.parse(frame)
      const fields = [
        field('Destination', header.destination, 0, 6),
        field('Source', header.source, 6, 6),
        field('Type', hex(header.etherType, 4), 12, 2, etherTypeNote(header.etherType)),
      ]
      let length = ETHERNET_HEADER_LENGTH
      let etherType = header.etherType
      if (etherType === EtherType.VLAN) {
        if (frame.length < length + 4) throw new InvalidPacketError('802.1Q tag is truncated')
        const tag = (frame[14]! << 8) | frame[15]!
        etherType = (frame[16]! << 8) | frame[17]!
        fields.push(
          field('Priority', tag >> 13, 14, 2, { mask: 0xe000 }),
          field('VLAN ID', tag & 0x0fff, 14, 2, { mask: 0x0fff }),
          field('Type', hex(etherType, 4), 16, 2, etherTypeNote(etherType)),
        )
        length += 4
      }
      return {
        layer: { layer: 'link', protocol: 'Ethernet II', offset: 0, length, fields },
        next: etherTypeNext(etherType),
      }
    }
    case LinkType.LINUX_SLL:
    case LinkType.LINUX_SLL2: {
      const version = linkType === LinkType.LINUX_SLL ? 1 : 2
      const { header } = SllHeader.parse(frame, version)
      const packetType = field(
        'Packet type',
        header.packetType,
        version === 1 ? 0 : 10,
        version === 1 ? 2 : 1,
        {
          ...(SLL_PACKET_TYPE_NAMES[header.packetType]
            ? { note: SLL_PACKET_TYPE_NAMES[header.packetType] }
            : {}),
        },
      )
      const arphrd = field('Link-layer address type', header.arphrdType, version === 1 ? 2 : 8, 2)
      const addressLength = field(
        'Link-layer address length',
        header.addressLength ?? 0,
        version === 1 ? 4 : 11,
        version === 1 ? 2 : 1,
      )
      const address = field('Source', toHex(header.address, ':'), version === 1 ? 6 : 12, 8)
      const protocol = field(
        'Protocol',
        hex(header.protocol, 4),
        version === 1 ? 14 : 0,
        2,
        etherTypeNote(header.protocol),
      )
      const fields =
        version === 1
          ? [packetType, arphrd, addressLength, address, protocol]
          : [
              protocol,
              field('Interface index', header.interfaceIndex ?? 0, 4, 4),
              arphrd,
              packetType,
              addressLength,
              address,
            ]
      return {
        layer: {
          layer: 'link',
          protocol: `Linux cooked capture v${version}`,
          offset: 0,
          length: version === 1 ? 16 : 20,
          fields,
        },
        next: etherTypeNext(header.protocol),
      }
    }
    case LinkType.NULL:
    case LinkType.LOOP: {
      const { header } = LoopbackHeader.parse(frame, linkType === LinkType.LOOP ? 'big' : undefined)
      const version = loopbackFamilyVersion(header.family)
      const fields = [field('Family', header.family, 0, 4, version ? { note: `IPv${version}` } : {})]
      return {
        layer: { layer: 'link', protocol: 'Null/Loopback', offset: 0, length: 4, fields },
        next: version ? { ipVersion: version } : { other: `address family ${header.family}` },
      }
    }
    case LinkType.RAW:
    case LinkType.IPV4:
    case LinkType.IPV6: {
      const layer: DissectedLayer = {
        layer: 'link',
        protocol: 'Raw IP (no link header)',
        offset: 0,
        length: 0,
        fields: [],
      }
      const nibble = frame.length > 0 ? frame[0]! >> 4 : 0
      const version = linkType === LinkType.IPV4 ? 4 : linkType === LinkType.IPV6 ? 6 : nibble
      if (version !== 4 && version !== 6) throw new InvalidPacketError(`raw IP packet has version ${version}`)
      return { layer, next: { ipVersion: version } }
    }
    default:
      return {
        layer: {
          layer: 'link',
          protocol: LINK_TYPE_NAMES[linkType] ?? `link type ${linkType}`,
          offset: 0,
          length: 0,
          fields: [],
        },
        next: { other: `link type ${linkType} (not decoded)` },
      }
  }
}

function checksumNote(valid: boolean, expected: number): string {
  return valid ? 'correct' : `incorrect, should be ${hex(expected, 4)} (maybe offloaded to the network card)`
}

/** The checksum the bytes should carry: computed with the checksum field taken as zero. */
function expectedChecksum(bytes: Uint8Array, checksumOffset: number, initial = 0): number {
  const copy = bytes.slice()
  copy[checksumOffset] = 0
  copy[checksumOffset + 1] = 0
  return internetChecksum(copy, initial)
}

function ipv4Layer(parsed: ParsedIpv4, bytes: Uint8Array, at: number): DissectedLayer {
  const { header } = parsed
  const flagsWord =
    (header.dontFragment ? 0x4000 : 0) |
    (header.moreFragments ? 0x2000 : 0) |
    (parsed.reservedFlag ? 0x8000 : 0)
  const fields: PacketField[] = [
    field('Version', 4, at, 1, { mask: 0xf0 }),
    field('Header length', parsed.headerLength, at, 1, {
      mask: 0x0f,
      note: `${parsed.headerLength / 4} × 4 bytes`,
    }),
    field('DSCP', header.dscp, at + 1, 1, { mask: 0xfc }),
    field('ECN', header.ecn, at + 1, 1, { mask: 0x03 }),
    field('Total length', parsed.totalLength, at + 2, 2),
    field('Identification', hex(header.identification, 4), at + 4, 2, {
      note: String(header.identification),
    }),
    field('Flags', hex(flagsWord >> 13, 1), at + 6, 2, {
      mask: 0xe000,
      note: flagNames(header, parsed.reservedFlag),
    }),
    field('Reserved bit', parsed.reservedFlag, at + 6, 2, { mask: 0x8000 }),
    field("Don't fragment", header.dontFragment, at + 6, 2, { mask: 0x4000 }),
    field('More fragments', header.moreFragments, at + 6, 2, { mask: 0x2000 }),
    field('Fragment offset', header.fragmentOffset, at + 6, 2, { mask: 0x1fff, note: 'bytes' }),
    field('Time to live', header.ttl, at + 8, 1),
    field('Protocol', header.protocol, at + 9, 1, { note: ipProtocolName(header.protocol) }),
    field('Header checksum', hex(parsed.checksum, 4), at + 10, 2, {
      note: parsed.checksumValid
        ? 'correct'
        : checksumNote(false, expectedChecksum(bytes.subarray(0, parsed.headerLength), 10)),
    }),
    field('Source', header.source, at + 12, 4),
    field('Destination', header.destination, at + 16, 4),
  ]
  for (const option of decodeIpv4Options(header.options)) {
    fields.push(
      field(
        `Option: ${option.name}`,
        option.data.length > 0 ? toHex(option.data) : option.type,
        at + 20 + option.offset,
        option.length,
      ),
    )
  }
  return {
    layer: 'network',
    protocol: 'IPv4',
    offset: at,
    length: parsed.headerLength,
    fields,
    checksumValid: parsed.checksumValid,
  }
}

function flagNames(header: { dontFragment: boolean; moreFragments: boolean }, reserved: boolean): string {
  const names = [
    reserved ? 'Reserved' : '',
    header.dontFragment ? "Don't fragment" : '',
    header.moreFragments ? 'More fragments' : '',
  ]
  return names.filter((name) => name !== '').join(', ') || 'none'
}

function ipv6Layer(
  parsed: ParsedIpv6,
  extensions: readonly { type: number; offset: number; length: number }[],
  at: number,
): DissectedLayer {
  const { header } = parsed
  const fields: PacketField[] = [
    field('Version', 6, at, 1, { mask: 0xf0 }),
    field('Traffic class', hex(header.trafficClass, 2), at, 2, { mask: 0x0ff0 }),
    field('Flow label', hex(header.flowLabel, 5), at + 1, 3, { mask: 0x0fffff }),
    field('Payload length', parsed.payloadLength, at + 4, 2),
    field('Next header', header.nextHeader, at + 6, 1, { note: ipProtocolName(header.nextHeader) }),
    field('Hop limit', header.hopLimit, at + 7, 1),
    field('Source', header.source, at + 8, 16),
    field('Destination', header.destination, at + 24, 16),
  ]
  for (const extension of extensions) {
    fields.push(
      field(
        `Extension: ${ipProtocolName(extension.type)}`,
        `${extension.length} bytes`,
        at + IPV6_HEADER_LENGTH + extension.offset,
        extension.length,
      ),
    )
  }
  const length = IPV6_HEADER_LENGTH + extensions.reduce((sum, extension) => sum + extension.length, 0)
  return { layer: 'network', protocol: 'IPv6', offset: at, length, fields }
}

function udpLayer(parsed: ParsedUdp, bytes: Uint8Array, addresses: IpAddresses, at: number): DissectedLayer {
  let note: string
  if (parsed.checksum === 0)
    note = parsed.checksumValid ? 'none (allowed over IPv4)' : 'missing (required over IPv6)'
  else if (parsed.checksumValid) note = 'correct'
  else {
    const datagram = bytes.subarray(0, parsed.length)
    const expected = expectedChecksum(
      datagram,
      UdpView.field.CHECKSUM,
      pseudoHeaderSumOf(addresses, IpProtocol.UDP, parsed.length),
    )
    note = checksumNote(false, expected === 0 ? 0xffff : expected)
  }
  return {
    layer: 'transport',
    protocol: 'UDP',
    offset: at,
    length: 8,
    checksumValid: parsed.checksumValid,
    fields: [
      field('Source port', parsed.header.sourcePort, at, 2),
      field('Destination port', parsed.header.destinationPort, at + 2, 2),
      field('Length', parsed.length, at + 4, 2),
      field('Checksum', hex(parsed.checksum, 4), at + 6, 2, { note }),
    ],
  }
}

function tcpLayer(
  parsed: ParsedTcp,
  segment: Uint8Array,
  addresses: IpAddresses,
  at: number,
): DissectedLayer {
  const { header } = parsed
  const view = new TcpView(segment)
  const note = parsed.checksumValid
    ? 'correct'
    : checksumNote(
        false,
        expectedChecksum(
          segment,
          TcpView.field.CHECKSUM,
          pseudoHeaderSumOf(addresses, IpProtocol.TCP, segment.length),
        ),
      )
  const fields: PacketField[] = [
    field('Source port', header.sourcePort, at, 2),
    field('Destination port', header.destinationPort, at + 2, 2),
    field('Sequence number', header.sequenceNumber, at + 4, 4),
    field('Acknowledgment number', header.acknowledgmentNumber, at + 8, 4),
    field('Header length', parsed.headerLength, at + 12, 1, {
      mask: 0xf0,
      note: `${parsed.headerLength / 4} × 4 bytes`,
    }),
    field('Flags', hex(view.flagBits, 3), at + 12, 2, { mask: 0x01ff, note: formatTcpFlags(header.flags) }),
    field('Window', header.window, at + 14, 2),
    field('Checksum', hex(parsed.checksum, 4), at + 16, 2, { note }),
    field('Urgent pointer', header.urgentPointer, at + 18, 2),
  ]
  for (const span of decodeTcpOptionSpans(view.options)) {
    const { name, value } = describeTcpOption(span.option)
    fields.push(field(`Option: ${name}`, value, at + 20 + span.offset, span.length))
  }
  return {
    layer: 'transport',
    protocol: 'TCP',
    offset: at,
    length: parsed.headerLength,
    fields,
    checksumValid: parsed.checksumValid,
  }
}

/** A TCP option's display name and value. */
export function describeTcpOption(option: TcpOption): { name: string; value: string | number | boolean } {
  switch (option.kind) {
    case 'eol':
      return { name: 'End of Option List', value: 'EOL' }
    case 'nop':
      return { name: 'No-Operation', value: 'NOP' }
    case 'mss':
      return { name: 'Maximum segment size', value: option.value }
    case 'window-scale':
      return { name: 'Window scale', value: `${option.shift} (multiply by ${2 ** option.shift})` }
    case 'sack-permitted':
      return { name: 'SACK permitted', value: true }
    case 'sack':
      return { name: 'SACK', value: option.blocks.map((block) => `${block.left}-${block.right}`).join(', ') }
    case 'timestamps':
      return { name: 'Timestamps', value: `TSval ${option.value}, TSecr ${option.echo}` }
    case 'unknown':
      return { name: `Kind ${option.type}`, value: toHex(option.data) }
  }
}
