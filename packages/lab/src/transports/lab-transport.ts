import type {
  DatagramImpairment,
  Destination,
  Endpoint,
  OpenOptions,
  Semantics,
  SocketAddress,
  StreamImpairment,
} from '@protolab/core'

/** How a lab endpoint is opened: the transport's open options plus what the lab needs of it. */
export interface LabEndpointOptions extends OpenOptions {
  /** Payload bytes of each lab message. */
  readonly payloadBytes: number
  /** Datagram transports: SO_RCVBUF to ask for. */
  readonly recvBufferBytes?: number | undefined
}

/** An endpoint of the lab; `recvBufferSize` is a datagram socket's SO_RCVBUF once bound. */
export type LabEndpoint = Endpoint & { readonly recvBufferSize?: number | undefined }

/** What a transport's relay is given: where to listen, where to relay to, and how to impair the way there. */
export interface LabRelayInit {
  /** The loopback address to listen on (port 0: the OS chooses). */
  readonly listen: { readonly host: string; readonly port: number }
  readonly to: { readonly host: string; readonly port: number }
  readonly seed: number
  /** A DatagramImpairment for a `datagram` transport, a StreamImpairment for a `stream` one. */
  readonly impairment: DatagramImpairment | StreamImpairment
  /** Datagram relays: SO_RCVBUF and SO_SNDBUF of their sockets. */
  readonly socketBufferBytes?: number
}

/** A running relay of one transport: the same shape as @protolab/udp's and @protolab/tcp's proxies. */
export interface LabRelayProxy {
  readonly listening: Promise<void>
  readonly address: SocketAddress | undefined
  /** What it did, counted per direction; the fields are the transport's own. */
  stats(): object
  close(): Promise<void>
}

/**
 * What a run's sender put on the wire, as its transport can tell after the run; a field it cannot
 * tell is absent.
 */
export interface LabWireCounts {
  /**
   * Bytes the sender's sockets sent for the run: its datagrams (UDP, KCP: headers of the transport's
   * own included, retransmissions and ACKs too) or its stream's bytes, without IP, UDP or TCP headers.
   */
  readonly wireBytes?: number
  /** Retransmissions the transport made itself, in user space (KCP's ARQ). */
  readonly retransmits?: number
}

/**
 * A transport as the lab sees it: a value, not a name. The runner, the relay link and the
 * two-host lab read these fields and never the name, so a new transport plugs in by giving one
 * of these to the registry (`transports/registry.ts`).
 */
export interface LabTransport {
  /** Its name on the command line and in reports: `udp`, `tcp`, `kcp`. */
  readonly name: string
  readonly semantics: Semantics
  /**
   * How the relay impairs it: `datagram`, per message (loss, duplicate, reorder, corrupt, ...), or
   * `stream`, on a byte stream (delay, slicing, stalls, resets, loss modelled as stalls).
   */
  readonly impairment: 'datagram' | 'stream'
  /**
   * Which way its relay impairs: `forward`, the way to the receiver only (echoes come back as they
   * are); `both`, the way back too (KCP: its ACKs cross the same path as its data).
   */
  readonly relayDirection: 'forward' | 'both'
  /** Opens an endpoint for lab messages (each message one envelope). */
  open(options: LabEndpointOptions): Promise<LabEndpoint>
  /** Starts this transport's impairment relay. */
  relay(init: LabRelayInit): LabRelayProxy
  /**
   * After a run, what the sender's endpoint (still open) put on the wire for `sent` messages of
   * `payloadBytes` each.
   */
  wireCounts(endpoint: LabEndpoint, sent: number, payloadBytes: number): LabWireCounts
  /**
   * How much longer than a datagram's hold in the relay the receiver may go quiet under
   * `impairment` while the transport recovers (a reliable transport's retransmission timeouts);
   * 0 when nothing of its own holds messages back.
   */
  recoveryQuietMs(impairment: DatagramImpairment | StreamImpairment): number
  /**
   * Datagrams the kernel dropped at this transport's socket bound to `address` (its receive buffer
   * was full), read by the process that owns it before it closes; undefined where unknown. Absent
   * for transports whose kernel drops nothing it accepted (TCP).
   */
  socketDrops?(address: SocketAddress): number | undefined
}

export type { Destination }
