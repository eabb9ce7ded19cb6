import type { AccessFlags } from '../options/access.js'
import type { MessageTransportName } from '../options/transport.js'

/** What `protolab chat` was asked for. */
export interface ChatOptions extends AccessFlags {
  /** Chat with one peer: `host:port`. */
  readonly peer?: string
  /** Wait for peers on `[host:]port` (TCP: the side that listens; UDP: reply to whoever writes). */
  readonly listen?: string
  /** Run a room that relays every member's messages to the others, on `[host:]port`. */
  readonly room?: string
  /** UDP: the local `[host:]port` to chat from (the notes' `bind(8080)`). */
  readonly bind?: string
  readonly transport: MessageTransportName
  readonly encoding: string
  /** Outgoing lines are sent as `name: text`; a room tags them `<name>`. */
  readonly name?: string
  readonly raw?: boolean
  /** Print the events (message, join, leave) as JSON lines instead of text. */
  readonly json?: boolean
  readonly ipv4?: boolean
  readonly ipv6?: boolean
  /** Room over UDP: a member silent this many seconds has left. */
  readonly memberTimeout: number
  /** TCP listener: most peers at once. */
  readonly maxConnections: number
  /** TCP: disconnect a peer silent this many seconds; 0 = never. */
  readonly idleTimeout: number
  /** Record the session's packets into this pcap file. */
  readonly capture?: string
}

/** The line that ends a chat. */
export const QUIT_COMMAND = '/quit'
