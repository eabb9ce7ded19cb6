/** Bytes of an Ethernet header (no VLAN tag): two MAC addresses and the EtherType. */
export const ETHERNET_HEADER_BYTES = 14

const ETHERTYPE_IPV4 = 0x0800
const ETHERTYPE_IPV6 = 0x86dd
const PROTOCOL_TCP = 6
const PROTOCOL_UDP = 17
const NEXT_HEADER_HOP_BY_HOP = 0
const NEXT_HEADER_ICMPV6 = 58
/** ICMPv6 types of MLD (130-132, 143) and neighbour discovery (133-137): IPv6's ARP. */
const LINK_CONTROL_ICMPV6 = new Set([130, 131, 132, 133, 134, 135, 136, 137, 143])

/** The IP protocol of a frame's transport header, for the protocols the lab's flows use. */
export type FlowProtocol = 'tcp' | 'udp'

/**
 * The protocol of an IP frame whose transport header starts at `offset` (from
 * {@link transportOffset}), when it is TCP or UDP with its ports in the frame; else undefined.
 */
export function flowProtocol(frame: Uint8Array, offset: number): FlowProtocol | undefined {
  if (offset < 0 || frame.length < offset + 4) return undefined
  const etherType = (frame[12]! << 8) | frame[13]!
  const protocol =
    etherType === ETHERTYPE_IPV4 ? frame[ETHERNET_HEADER_BYTES + 9] : frame[ETHERNET_HEADER_BYTES + 6]
  if (protocol === PROTOCOL_TCP) return 'tcp'
  if (protocol === PROTOCOL_UDP) return 'udp'
  return undefined
}

/** The destination port of a TCP or UDP frame whose transport header starts at `offset`. */
export function destinationPort(frame: Uint8Array, offset: number): number {
  return (frame[offset + 2]! << 8) | frame[offset + 3]!
}

/**
 * Where the transport header (TCP, UDP, ICMP) of an Ethernet frame starts, or -1 for a frame that
 * is not IP (ARP and the like) or too short to be one. Only IP frames are impaired: ARP, which
 * the hosts need to find each other, passes untouched, as a switch would let it.
 */
export function transportOffset(frame: Uint8Array): number {
  if (frame.length < ETHERNET_HEADER_BYTES + 20) return -1
  const etherType = (frame[12]! << 8) | frame[13]!
  if (etherType === ETHERTYPE_IPV4) {
    const headerBytes = (frame[ETHERNET_HEADER_BYTES]! & 0x0f) * 4
    return headerBytes >= 20 && frame.length >= ETHERNET_HEADER_BYTES + headerBytes
      ? ETHERNET_HEADER_BYTES + headerBytes
      : -1
  }
  if (etherType === ETHERTYPE_IPV6 && frame.length >= ETHERNET_HEADER_BYTES + 40) {
    return ETHERNET_HEADER_BYTES + 40
  }
  return -1
}

/**
 * True when an IPv6 frame is neighbour discovery or MLD (ICMPv6, MLD behind its hop-by-hop
 * header): what the hosts need to find each other, as ARP is for IPv4, so it passes untouched.
 */
export function isNeighbourDiscovery(frame: Uint8Array): boolean {
  if (frame.length < ETHERNET_HEADER_BYTES + 40 + 1) return false
  if (((frame[12]! << 8) | frame[13]!) !== ETHERTYPE_IPV6) return false
  let next = frame[ETHERNET_HEADER_BYTES + 6]!
  let at = ETHERNET_HEADER_BYTES + 40
  if (next === NEXT_HEADER_HOP_BY_HOP) {
    if (frame.length < at + 2) return false
    next = frame[at]!
    at += (frame[at + 1]! + 1) * 8
  }
  return next === NEXT_HEADER_ICMPV6 && at < frame.length && LINK_CONTROL_ICMPV6.has(frame[at]!)
}

/**
 * True when an IP frame carries TCP to or from `port`: the lab's control channel, which the
 * link leaves unimpaired so the impairment falls on the run's own packets only (and a seed repeats
 * the same decisions on the same data packets, whatever the control channel did).
 */
export function isTcpPort(frame: Uint8Array, offset: number, port: number): boolean {
  if (offset < 0 || frame.length < offset + 4) return false
  const etherType = (frame[12]! << 8) | frame[13]!
  const protocol =
    etherType === ETHERTYPE_IPV4 ? frame[ETHERNET_HEADER_BYTES + 9] : frame[ETHERNET_HEADER_BYTES + 6]
  if (protocol !== PROTOCOL_TCP) return false
  const source = (frame[offset]! << 8) | frame[offset + 1]!
  const destination = (frame[offset + 2]! << 8) | frame[offset + 3]!
  return source === port || destination === port
}

/**
 * Moves a corruption the impairer placed anywhere in the frame (`at` in [4, length)) into its
 * transport header or payload, keeping it deterministic: a flipped MAC address would make the
 * frame vanish as not addressed to the host, and a flipped IP header would be dropped before
 * any transport saw it. There, the transport's checksum catches it, as on a real wire.
 */
export function corruptionOffset(at: number, length: number, offset: number): number {
  const span = length - offset
  if (span <= 0) return at
  return offset + (Math.max(0, at - 4) % span)
}
