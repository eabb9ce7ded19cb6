import { InvalidArgumentError, type ReceiverSummary, type SocketAddress } from '@protolab/core'
import { type CounterStatus, MessageCounter } from '../roles/counter.js'
import { openLabEndpoint } from '../roles/endpoints.js'
import type { LabTransportName } from '../types.js'
import { SessionDemux, type UnclaimedCounts } from './session-demux.js'

/** What a flow receiver is asked to do: the lab's {@link ReceiverConfig}, for several sessions at once. */
export interface FlowReceiverConfig {
  readonly transport: LabTransportName
  /** The loopback address to bind, `127.0.0.1` or `::1`. */
  readonly host: string
  /** One session per flow: each is counted apart, in its own sequence space. */
  readonly sessions: readonly number[]
  /** Messages each flow's sender will send at most: sizes each flow's metrics' arrays up front. */
  readonly expectedMessages: number
  /** Payload bytes per message (the envelope adds its header). */
  readonly payloadBytes: number
  /** Send every envelope flagged for echo back to whoever sent it (round-trip mode). */
  readonly echo: boolean
  /** UDP: ask the kernel for this receive buffer (SO_RCVBUF), shared by every flow; the OS default otherwise. */
  readonly recvBufferBytes?: number | undefined
}

/** What a flow receiver hands back at the end: per session, in the order of `sessions`. */
export interface FlowReceiverOutcome {
  readonly summaries: readonly ReceiverSummary[]
  /** What reached the socket but carried no flow's session. */
  readonly unclaimed: UnclaimedCounts
  /** UDP: the receive buffer the shared socket had. */
  readonly recvBufferBytes: number | undefined
  /** Echoes that could not be sent back, all flows together (round-trip mode). */
  readonly echoFailures: number
}

/**
 * The receiver of a run of several flows: one socket (a UDP socket, or a TCP listener that
 * accepts a connection per flow) on one port, whose messages a {@link SessionDemux} splits by
 * session so that each flow is counted by a {@link MessageCounter} of its own, as the lab's one-flow
 * Receiver counts its one. One port means one relay can stand in front of every flow. Its methods
 * take and return plain data, so a lab host can run it across a process boundary.
 */
export class FlowReceiver {
  private constructor(
    private readonly demux: SessionDemux,
    private readonly counters: readonly MessageCounter[],
    private readonly config: FlowReceiverConfig,
    private readonly bound: SocketAddress,
    private readonly recvBufferSize: () => number | undefined,
  ) {}

  /** Binds and starts receiving. */
  static async start(config: FlowReceiverConfig): Promise<FlowReceiver> {
    if (new Set(config.sessions).size !== config.sessions.length || config.sessions.length === 0) {
      throw new InvalidArgumentError('a flow receiver needs one distinct session per flow')
    }
    const endpoint = await openLabEndpoint(config.transport, {
      bind: { host: config.host, port: 0 },
      listen: true,
      payloadBytes: config.payloadBytes,
      recvBufferBytes: config.recvBufferBytes,
    })
    const bound = endpoint.localAddress
    if (bound === undefined) {
      await endpoint.close()
      throw new Error('the flow receiver is not bound')
    }
    const demux = new SessionDemux(endpoint, config.sessions)
    const counters = config.sessions.map(
      (session) =>
        new MessageCounter(demux.endpointFor(session), {
          session,
          expectedMessages: config.expectedMessages,
          echo: config.echo,
        }),
    )
    return new FlowReceiver(demux, counters, config, bound, () => endpoint.recvBufferSize)
  }

  /** Where every flow's sender (or the relay in front of them) sends. */
  get address(): SocketAddress {
    return this.bound
  }

  /** Each flow's progress, in the order of `sessions`. */
  status(): CounterStatus[] {
    return this.counters.map((counter) => counter.status())
  }

  /** Stops receiving and hands back each flow's measurements; `messages` adds per-message records. */
  async finish(messages: boolean): Promise<FlowReceiverOutcome> {
    const recvBufferBytes = this.recvBufferSize()
    await this.close()
    return {
      summaries: this.counters.map((counter) => counter.summary(messages)),
      unclaimed: this.demux.unclaimed,
      recvBufferBytes,
      echoFailures: this.counters.reduce((sum, counter) => sum + counter.echoFailures, 0),
    }
  }

  /** Stops receiving. Idempotent. */
  async close(): Promise<void> {
    await this.demux.close()
    await Promise.all(this.counters.map((counter) => counter.done))
  }

  /** The sessions, in the order their results come. */
  get sessions(): readonly number[] {
    return this.config.sessions
  }
}
