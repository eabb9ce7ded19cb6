import { formatHostPort, type SocketAddress } from '@protolab/core'
import { toJsonLine } from '../output/json-line.js'

/** What `chat --json` reports: a line received, a peer or member that came, one that went. */
export type ChatEventKind = 'message' | 'join' | 'leave'

/** Fields an event may add: a member's name, the text of a message, why a peer left. */
export interface ChatEventFields {
  readonly name?: string
  readonly text?: string
  readonly reason?: string
}

/** One event as a JSON line (no newline): `{"event","from","address","port",...fields,"time"}`. */
export function chatEventLine(
  event: ChatEventKind,
  peer: Pick<SocketAddress, 'address' | 'port'>,
  fields: ChatEventFields = {},
): string {
  return toJsonLine({
    event,
    from: formatHostPort(peer.address, peer.port),
    address: peer.address,
    port: peer.port,
    ...fields,
    time: new Date().toISOString(),
  })
}
