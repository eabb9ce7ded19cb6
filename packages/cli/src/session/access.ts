import {
  type Cidr,
  type Endpoint,
  isIPv4Mapped,
  parseCidr,
  parseIP,
  prefixContains,
  type SocketAddress,
} from '@protolab/core'
import { UsageError } from '../errors.js'
import type { AccessFlags } from '../options/access.js'
import { closePeer } from './close-peer.js'
import type { EndpointEvent } from './events.js'

/** Decides whether a peer may be served. */
export type AccessFilter = (address: string) => boolean

/**
 * The filter of `--allow` and `--deny`: a peer is served when `--allow` is absent or lists it, and
 * `--deny` does not. An IPv4 peer seen on a dual-stack socket (`::ffff:192.0.2.1`) is judged by its
 * IPv4 address. Undefined when neither flag was given.
 * @throws UsageError for an entry that is not an address or prefix (exit code 2).
 */
export function createAccessFilter(flags: AccessFlags): AccessFilter | undefined {
  if (flags.allow === undefined && flags.deny === undefined) return undefined
  const allow = flags.allow?.map((entry) => parseEntry(entry, '--allow'))
  const deny = (flags.deny ?? []).map((entry) => parseEntry(entry, '--deny'))
  const matches = (prefixes: readonly Cidr[], bytes: Uint8Array): boolean =>
    prefixes.some((prefix) => prefixContains(prefix, bytes))
  return (address) => {
    const forms = addressForms(address)
    if (allow !== undefined && !forms.some((bytes) => matches(allow, bytes))) return false
    return !forms.some((bytes) => matches(deny, bytes))
  }
}

function parseEntry(entry: string, flag: string): Cidr {
  try {
    return parseCidr(entry)
  } catch (error) {
    throw new UsageError(`${flag}: ${error instanceof Error ? error.message : String(error)}`, {
      hint: 'give IP addresses or prefixes, comma-separated: 127.0.0.1,10.0.0.0/8,::1',
    })
  }
}

/** The bytes of an address, and of its IPv4 form when it is IPv4-mapped IPv6. */
function addressForms(address: string): Uint8Array[] {
  const { family, bytes } = parseIP(address)
  return family === 6 && isIPv4Mapped(bytes) ? [bytes, bytes.subarray(12)] : [bytes]
}

/** Refused UDP peers remembered so each is reported once; past this many, no new one is reported. */
const MAX_REPORTED_PEERS = 1024

/**
 * The events of `events` from peers the filter serves: a refused TCP peer is disconnected as soon
 * as it connects, and whatever a refused peer sends (a UDP datagram, bytes sent before the close)
 * is dropped unread; `onRefused` hears of each refused connection, and of each refused UDP peer once.
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
  for await (const event of events) {
    const peer = event.kind === 'message' ? event.message.from : event.peer
    if (filter(peer.address)) {
      yield event
    } else if (event.kind === 'connect') {
      onRefused(peer)
      closePeer(endpoint, peer)
    } else if (event.kind === 'message' && !endpoint.semantics.connectionOriented) {
      const key = `${peer.address} ${peer.port}`
      if (!reported.has(key) && reported.size < MAX_REPORTED_PEERS) {
        reported.add(key)
        onRefused(peer)
      }
    }
  }
}
