import { ipFamily } from '../address/ip.js'
import { InvalidAddressError, InvalidArgumentError, MessageTooLargeError } from '../errors.js'
import { checkUint } from './_bytes.js'
import { IpProtocol } from './checksum.js'
import { EthernetHeader, EtherType, parseMacAddress } from './ethernet.js'
import { IPV4_MAX_PACKET_LENGTH, Ipv4Header } from './ipv4.js'
import { IPV6_MAX_PAYLOAD_LENGTH, Ipv6Header } from './ipv6.js'
import type { LayerSpan } from './layers.js'
import { LoopbackFamily, LoopbackHeader } from './loopback.js'
import { LinkType } from './pcap.js'
import { SllHeader, SllPacketType } from './sll.js'
import { type TcpFlags, TcpHeader, type TcpOption } from './tcp.js'
import { UDP_HEADER_LENGTH, UdpHeader } from './udp.js'

/** One end of the packet: an IP address (v4 or v6, both ends of one family) and a port. */
export interface PacketEndpoint {
  readonly address: string
  readonly port: number
}

/** TCP fields for {@link buildPacket}; defaults describe a data segment of an open connection. */
export interface BuildTcpOptions {
  /** Sequence number, default 1. */
  readonly seq?: number
  /** Acknowledgment number, default 1. */
  readonly ack?: number
  /** Default `{ psh: true, ack: true }`; flags not named are clear. */
  readonly flags?: Partial<TcpFlags>
  /** Receive window, default 65535. */
  readonly window?: number
  /** Default none. */
  readonly options?: readonly TcpOption[]
  readonly urgentPointer?: number
}

/** What {@link buildPacket} builds. */
export interface BuildPacketOptions {
  readonly transport: 'udp' | 'tcp'
  readonly from: PacketEndpoint
  readonly to: PacketEndpoint
  readonly payload: Uint8Array
  /** The link layer: EN10MB (default), LINUX_SLL, LINUX_SLL2, NULL, LOOP, RAW, IPV4 or IPV6. */
  readonly linkType?: number
  /** IPv4 TTL or IPv6 hop limit, default 64 (Linux's default). */
  readonly ttl?: number
  /** IPv4 identification, default 0. */
  readonly identification?: number
  /** IPv4 Don't Fragment, default true (as Linux sends with path MTU discovery). */
  readonly dontFragment?: boolean
  /** Ethernet source, default `02:00:00:00:00:01` (locally administered). */
  readonly sourceMac?: string
  /** Ethernet destination, default `02:00:00:00:00:02`. */
  readonly destinationMac?: string
  readonly tcp?: BuildTcpOptions
}

/** A built frame and where each layer sits in it. */
export interface BuiltPacket {
  readonly frame: Uint8Array
  readonly linkType: number
  /** Link, network, transport and application, in order. */
  readonly layers: readonly LayerSpan[]
}

/**
 * Builds the frame a message becomes: link header, IPv4 or IPv6 (by the addresses' family), UDP or
 * TCP with real checksums, and the payload.
 * @throws InvalidAddressError for invalid or mixed-family addresses; InvalidArgumentError for values
 * that do not fit their fields or an unsupported link type; MessageTooLargeError when the payload
 * does not fit in one IP packet.
 */
export function buildPacket(options: BuildPacketOptions): BuiltPacket {
  const version = familyOf(options.from.address, options.to.address)
  const addresses = { source: options.from.address, destination: options.to.address }
  const linkType = options.linkType ?? LinkType.EN10MB

  const transport =
    options.transport === 'udp'
      ? UdpHeader.emit(
          { sourcePort: options.from.port, destinationPort: options.to.port },
          checkedPayload(options.payload, UDP_HEADER_LENGTH, version),
          addresses,
        )
      : buildTcp(options, addresses, version)
  const transportHeaderLength = transport.length - options.payload.length
  const protocol = options.transport === 'udp' ? IpProtocol.UDP : IpProtocol.TCP
  const ttl = options.ttl ?? 64
  checkUint('ttl', ttl, 8)

  const network =
    version === 4
      ? Ipv4Header.emit(
          {
            dscp: 0,
            ecn: 0,
            identification: options.identification ?? 0,
            dontFragment: options.dontFragment ?? true,
            moreFragments: false,
            fragmentOffset: 0,
            ttl,
            protocol,
            source: addresses.source,
            destination: addresses.destination,
            options: new Uint8Array(0),
          },
          transport,
        )
      : Ipv6Header.emit(
          {
            trafficClass: 0,
            flowLabel: 0,
            nextHeader: protocol,
            hopLimit: ttl,
            source: addresses.source,
            destination: addresses.destination,
          },
          transport,
        )
  const networkHeaderLength = network.length - transport.length

  const { frame, protocol: linkProtocol } = emitLink(linkType, version, network, options)
  const linkLength = frame.length - network.length
  const transportOffset = linkLength + networkHeaderLength
  const layers: LayerSpan[] = [
    { layer: 'link', protocol: linkProtocol, offset: 0, length: linkLength },
    {
      layer: 'network',
      protocol: version === 4 ? 'IPv4' : 'IPv6',
      offset: linkLength,
      length: networkHeaderLength,
    },
    {
      layer: 'transport',
      protocol: options.transport === 'udp' ? 'UDP' : 'TCP',
      offset: transportOffset,
      length: transportHeaderLength,
    },
    {
      layer: 'application',
      protocol: 'Data',
      offset: transportOffset + transportHeaderLength,
      length: options.payload.length,
    },
  ]
  return { frame, linkType, layers }
}

function familyOf(from: string, to: string): 4 | 6 {
  const fromFamily = ipFamily(from)
  const toFamily = ipFamily(to)
  if (fromFamily === undefined) throw new InvalidAddressError(`"${from}" is not an IPv4 or IPv6 address`)
  if (toFamily === undefined) throw new InvalidAddressError(`"${to}" is not an IPv4 or IPv6 address`)
  if (fromFamily !== toFamily) {
    throw new InvalidAddressError(
      `${from} is IPv${fromFamily} but ${to} is IPv${toFamily}: a packet has one family`,
    )
  }
  return fromFamily
}

/** @throws MessageTooLargeError when the payload and `transportHeaderLength` do not fit one IP packet. */
function checkedPayload(payload: Uint8Array, transportHeaderLength: number, version: 4 | 6): Uint8Array {
  const limit =
    version === 4
      ? IPV4_MAX_PACKET_LENGTH - 20 - transportHeaderLength
      : IPV6_MAX_PAYLOAD_LENGTH - transportHeaderLength
  if (payload.length > limit) throw new MessageTooLargeError(payload.length, limit)
  return payload
}

function buildTcp(
  options: BuildPacketOptions,
  addresses: { source: string; destination: string },
  version: 4 | 6,
): Uint8Array {
  const tcp = options.tcp ?? {}
  const flags = tcp.flags ?? { psh: true, ack: true }
  const header: TcpHeader = {
    sourcePort: options.from.port,
    destinationPort: options.to.port,
    sequenceNumber: tcp.seq ?? 1,
    acknowledgmentNumber: tcp.ack ?? 1,
    flags: {
      fin: flags.fin ?? false,
      syn: flags.syn ?? false,
      rst: flags.rst ?? false,
      psh: flags.psh ?? false,
      ack: flags.ack ?? false,
      urg: flags.urg ?? false,
      ece: flags.ece ?? false,
      cwr: flags.cwr ?? false,
      ae: flags.ae ?? false,
    },
    window: tcp.window ?? 65535,
    urgentPointer: tcp.urgentPointer ?? 0,
    options: tcp.options ?? [],
  }
  const payload = checkedPayload(options.payload, TcpHeader.headerLength(header), version)
  return TcpHeader.emit(header, payload, addresses)
}

function emitLink(
  linkType: number,
  version: 4 | 6,
  network: Uint8Array,
  options: BuildPacketOptions,
): { frame: Uint8Array; protocol: string } {
  const etherType = version === 4 ? EtherType.IPV4 : EtherType.IPV6
  const sourceMac = options.sourceMac ?? '02:00:00:00:00:01'
  switch (linkType) {
    case LinkType.EN10MB:
      return {
        frame: EthernetHeader.emit(
          { destination: options.destinationMac ?? '02:00:00:00:00:02', source: sourceMac, etherType },
          network,
        ),
        protocol: 'Ethernet II',
      }
    case LinkType.LINUX_SLL:
    case LinkType.LINUX_SLL2: {
      const v = linkType === LinkType.LINUX_SLL ? 1 : 2
      const header: SllHeader = {
        version: v,
        packetType: SllPacketType.OUTGOING,
        arphrdType: 1,
        address: parseMacAddress(sourceMac),
        protocol: etherType,
        interfaceIndex: 1,
      }
      return { frame: SllHeader.emit(header, network), protocol: `Linux cooked capture v${v}` }
    }
    case LinkType.NULL:
    case LinkType.LOOP: {
      const family = version === 4 ? LoopbackFamily.INET : LoopbackFamily.INET6_BSD
      const byteOrder = linkType === LinkType.NULL ? 'little' : 'big'
      return { frame: LoopbackHeader.emit({ family, byteOrder }, network), protocol: 'Null/Loopback' }
    }
    case LinkType.RAW:
    case LinkType.IPV4:
    case LinkType.IPV6:
      if ((linkType === LinkType.IPV4 && version !== 4) || (linkType === LinkType.IPV6 && version !== 6)) {
        throw new InvalidArgumentError(`link type ${linkType} cannot carry IPv${version}`)
      }
      return { frame: network, protocol: 'Raw IP' }
    default:
      throw new InvalidArgumentError(
        `link type ${linkType} is not supported: use 1 (Ethernet), 113/276 (Linux cooked), 0/108 (loopback) or 101 (raw IP)`,
      )
  }
}
