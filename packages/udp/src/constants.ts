import type { Semantics } from '@protolab/core'

/** What UDP promises: message boundaries, and nothing else (no delivery, no order, no connection). */
export const UDP_SEMANTICS: Semantics = Object.freeze({
  reliable: false,
  ordered: false,
  messageBoundaries: true,
  connectionOriented: false,
})

/** The largest UDP payload over IPv4: 65535 (IPv4 total length) - 20 (IPv4 header) - 8 (UDP header). */
export const MAX_UDP_PAYLOAD_IPV4 = 65507

/** The largest UDP payload over IPv6 without jumbograms: 65535 (IPv6 payload length) - 8 (UDP header). */
export const MAX_UDP_PAYLOAD_IPV6 = 65527

/** The default `maxMessageBytes`: every datagram node can deliver, whole. */
export const DEFAULT_MAX_MESSAGE_BYTES = 65535

/**
 * The default `maxQueuedMessages`: received datagrams waiting for the reader before new ones are
 * dropped. The queue holds at most this many times `maxMessageBytes` (256 MiB with both defaults).
 */
export const DEFAULT_MAX_QUEUED_MESSAGES = 4096

/** How many distinct peers `endpoint.peers` remembers; the least recently heard is forgotten first. */
export const MAX_TRACKED_PEERS = 256

/** The largest socket buffer size accepted: the kernel takes an `int`. */
export const MAX_SOCKET_BUFFER_BYTES = 2 ** 31 - 1
