import { type Destination, FilteredEndpoint, type Message, type SocketAddress } from '@protolab/core'
import type { LabEndpoint } from '../runner/roles/endpoints.js'

/**
 * The data socket's hello: sent by the client on a reverse flow so the server learns where to send
 * (through any NAT), and never counted. Four bytes `PLHI`, then the session id (big-endian).
 */
export const DATA_HELLO_BYTES = 8
const HELLO_MAGIC = [0x50, 0x4c, 0x48, 0x49] as const

/** The hello of a session's data socket. */
export function encodeDataHello(session: number): Uint8Array {
  const bytes = new Uint8Array(DATA_HELLO_BYTES)
  bytes.set(HELLO_MAGIC, 0)
  new DataView(bytes.buffer).setUint32(4, session)
  return bytes
}

/** True when `bytes` are the hello of `session`'s data socket. */
export function isDataHello(bytes: Uint8Array, session: number): boolean {
  return (
    bytes.length === DATA_HELLO_BYTES &&
    HELLO_MAGIC.every((byte, index) => bytes[index] === byte) &&
    new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(4) === session
  )
}

/** Construction options of a {@link SessionEndpoint}. */
export interface SessionEndpointInit {
  readonly session: number
  /** The session's peer host: anything from another address is refused. */
  readonly peerHost: string
  /** Added to each message's `receivedAt`, to put arrival times on the sender's clock (0 on one host). */
  readonly clockShiftMs: number
  /** Where `send` without `to` goes until a peer is learned from its hello. */
  readonly destination?: Destination
}

/**
 * A lab data endpoint as one session sees it: core's {@link FilteredEndpoint} that refuses what
 * comes from any host but the session's peer (counted in `refused`; a TCP connection from
 * elsewhere is closed at once), learns the peer's data address from its hello (so `send` without
 * `to` goes there), and moves arrival times onto the sender's clock. Read it instead of the
 * endpoint it wraps.
 */
export class SessionEndpoint extends FilteredEndpoint<LabEndpoint> implements LabEndpoint {
  private destination: Destination | undefined
  private learnedPeer: SocketAddress | undefined
  private onLearned: (peer: SocketAddress) => void = () => {}
  /** Resolves with the peer's data address once its hello arrived (while the endpoint is read). */
  readonly learned: Promise<SocketAddress>
  /** Added to each arrival time: the sender's clock minus this host's, in ms (0 on one host). */
  readonly clockShiftMs: number

  constructor(inner: LabEndpoint, init: SessionEndpointInit) {
    super(inner, {
      reasonRefused: (peer) => (sameHost(peer.address, init.peerHost) ? undefined : "not the session's peer"),
      admit: (message) => this?.admit(message, init),
    })
    this.destination = init.destination
    this.clockShiftMs = init.clockShiftMs
    this.learned = new Promise((resolve) => {
      this.onLearned = resolve
    })
  }

  /** The peer's data address, once its hello arrived. */
  get peer(): SocketAddress | undefined {
    return this.learnedPeer
  }

  /** The transport's own endpoint under the session's filter, for what only it can tell (its wire counts). */
  get transportEndpoint(): LabEndpoint {
    return this.inner
  }

  get recvBufferSize(): number | undefined {
    return this.inner.recvBufferSize
  }

  /** Sends to `to`, or to the learned peer, or to the initial destination. */
  override send(payload: Uint8Array, to?: Destination): Promise<void> {
    return this.inner.send(payload, to ?? this.destination)
  }

  /** The session's hello is learned from and kept from the reader; every other message is moved onto the sender's clock. */
  private admit(message: Message, init: SessionEndpointInit): Message | undefined {
    if (isDataHello(message.payload, init.session)) {
      this.destination = { address: message.from.address, port: message.from.port }
      this.learnedPeer ??= message.from
      this.onLearned(message.from)
      return undefined
    }
    return init.clockShiftMs === 0
      ? message
      : { ...message, receivedAt: message.receivedAt + init.clockShiftMs }
  }
}

/** True when two addresses name the same host, an IPv4-mapped IPv6 address matching its IPv4 form. */
export function sameHost(a: string, b: string): boolean {
  return unmapped(a) === unmapped(b)
}

function unmapped(address: string): string {
  const lower = address.toLowerCase()
  return lower.startsWith('::ffff:') && lower.includes('.') ? lower.slice(7) : lower
}
