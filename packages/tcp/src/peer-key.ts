import type { Destination } from '@protolab/core'

const IPV4_MAPPED = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/

/**
 * The key a peer is found by. A dual-stack listener sees IPv4 peers as `::ffff:a.b.c.d`; both
 * spellings (and any letter case of IPv6) find the same connection.
 */
export function peerKey(peer: Destination): string {
  const address = peer.address.toLowerCase()
  const unmapped = IPV4_MAPPED.exec(address)?.[1] ?? address
  return `${unmapped}|${peer.port}`
}
