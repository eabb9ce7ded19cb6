import type { EventEmitter } from 'node:events'
import type { ProtolabError } from '../errors.js'

/** An IP address and port, as the OS reports a socket's end. */
export interface SocketAddress {
  /** Numeric IPv4 (`127.0.0.1`) or IPv6 (`::1`) address, without brackets. */
  readonly address: string
  readonly port: number
  readonly family: 'IPv4' | 'IPv6'
}

/** Where to send or connect: an address (or host name) and a port. */
export interface Destination {
  readonly address: string
  readonly port: number
}

/**
 * What a transport promises, so code that cares branches on properties, never on a name.
 * UDP: `{ reliable: false, ordered: false, messageBoundaries: true, connectionOriented: false }`;
 * TCP: `{ reliable: true, ordered: true, messageBoundaries: false, connectionOriented: true }`.
 */
export interface Semantics {
  /** Every message sent arrives, or the sender learns that it did not. */
  readonly reliable: boolean
  /** Messages arrive in the order they were sent. */
  readonly ordered: boolean
  /** The wire keeps message boundaries (without a framing layer). */
  readonly messageBoundaries: boolean
  /** Peers connect before they exchange messages. */
  readonly connectionOriented: boolean
}

/** One received message: its bytes and who sent them. */
export interface Message {
  /** The bytes of the message, without framing. May be a view into a larger receive buffer. */
  readonly payload: Uint8Array
  /** The peer that sent it. */
  readonly from: SocketAddress
  /** When it was received: {@link monotonicNs} as milliseconds, comparable across processes of one host. */
  readonly receivedAt: number
  /** True when the message was longer than `maxMessageBytes` and cut to that length (UDP). */
  readonly truncated: boolean
}

/** Per-call options of {@link Transport.open}. */
export interface OpenOptions {
  /**
   * The local address to bind: `host` defaults to `127.0.0.1` (use `''`, `0.0.0.0` or `::` for
   * every interface), `port` 0 lets the OS choose. Without it a UDP endpoint binds an OS-chosen
   * port on first send, as a Python socket does, and a TCP client uses an ephemeral port.
   */
  readonly bind?: { readonly host?: string; readonly port?: number }
  /** The peer: a UDP endpoint's default destination, or the server a TCP client connects to. */
  readonly peer?: Destination
  /** TCP: accept connections from many peers on `bind`. UDP endpoints always receive once bound. */
  readonly listen?: boolean
  /** Ends the open (and closes a half-open socket) when aborted. */
  readonly signal?: AbortSignal
}

/** Lifecycle events of an endpoint. Data is read only by iterating the endpoint. */
export interface EndpointEvents {
  /** A peer connected (TCP) or was heard from for the first time (UDP). */
  connect: [peer: SocketAddress]
  /** A peer's connection ended; `error` says why when it was not a clean close. */
  disconnect: [peer: SocketAddress, error?: ProtolabError]
  /**
   * A peer ended its side (TCP half-close): nothing more will come from it, but it can still be sent
   * to until its connection closes. Transports without connections never emit it.
   */
  end: [peer: SocketAddress]
}

/**
 * One end of a conversation: bound and/or connected, it sends messages and yields the messages it
 * receives. Read it with `for await (const m of endpoint)`; the loop ends when the endpoint closes.
 */
export interface Endpoint
  extends AsyncIterable<Message>,
    Pick<EventEmitter<EndpointEvents>, 'on' | 'once' | 'off'> {
  /** The transport's promises. */
  readonly semantics: Semantics
  /** Where this endpoint is bound, with the port the OS chose. Undefined for an unbound UDP sender before its first send. */
  readonly localAddress: SocketAddress | undefined
  /** The default peer (UDP `peer`, TCP client's server), if any. */
  readonly remoteAddress: SocketAddress | undefined
  /** Connected peers of a TCP listener; peers heard from recently for UDP. */
  readonly peers: readonly SocketAddress[]
  /**
   * Sends one message to `to`, or to the default peer. Resolves once the bytes are handed to the
   * kernel; waits (TCP `drain`) rather than buffering without bound.
   */
  send(payload: Uint8Array, to?: Destination): Promise<void>
  /** Flushes everything sent before it, then releases the port. Idempotent. */
  close(): Promise<void>
  /** True once `close()` was called or the connection ended. */
  readonly closed: boolean
}

/** A way to exchange messages: UDP or TCP (or the in-memory transport used by tests). */
export interface Transport {
  /** A short name for display (`udp`, `tcp`); code should read {@link Transport.semantics} instead. */
  readonly name: string
  readonly semantics: Semantics
  /** Binds and/or connects, and resolves to a ready endpoint. */
  open(options?: OpenOptions): Promise<Endpoint>
}
