import type { Endpoint, SocketAddress } from '@protolab/core'
import { accessListOf } from '@protolab/core'
import type { AccessFlags } from '../options/access.js'
import { closePeer } from './close-peer.js'
import type { EndpointEvent } from './events.js'

/** Decides whether a peer may be served. */
export type AccessFilter = (address: string) => boolean

/**
 * The filter of `--allow` and `--deny` (see src/access's AccessList): a peer is served when
 * `--allow` is absent or lists it, and `--deny` does not. An IPv4 peer seen on a dual-stack socket
 * (`::ffff:192.0.2.1`) is judged by its IPv4 address. Undefined when neither flag was given.
 * @throws UsageError for an entry that is not an address or prefix (bad usage, exit code 2).
 */
export function createAccessFilter(flags: AccessFlags): AccessFilter | undefined {
  const list = accessListOf(flags)
  return list.restricts ? (address) => list.allows(address) : undefined
}

/** Refused addresses remembered so each is reported once; past this many, no new one is reported. */
const MAX_REPORTED_PEERS = 1024

/**
 * The events of `events` from peers the filter serves: a refused TCP peer is disconnected as soon
 * as it connects, and whatever a refused peer sends (a UDP datagram, bytes sent before the close)
 * is dropped unread; `onRefused` hears of each refused address once (a flood costs one line).
 */
export async function* guardEvents(
  events: AsyncIterable<EndpointEvent>,
  endpoint: Endpoint,
  filter: AccessFilter | undefined,
  onRefused: (peer: SocketAddress) => void,
): AsyncGenerator<EndpointEvent> {
  if (filter === undefined) {
    yield* events
    return
  }
  const reported = new Set<string>()
  const report = (peer: SocketAddress): void => {
    if (reported.has(peer.address) || reported.size >= MAX_REPORTED_PEERS) return
    reported.add(peer.address)
    onRefused(peer)
  }
  for await (const event of events) {
    const peer = event.kind === 'message' ? event.message.from : event.peer
    if (filter(peer.address)) {
      yield event
    } else if (event.kind === 'connect') {
      report(peer)
      closePeer(endpoint, peer)
    } else if (event.kind === 'message' && !endpoint.semantics.connectionOriented) {
      report(peer)
    }
  }
}
