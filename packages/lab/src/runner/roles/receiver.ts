import type { LabInterval, ReceiverSummary, SocketAddress } from '@protolab/core'
import { receiveDrops } from '../../counters/receive-drops.js'
import type { LabTransportName } from '../types.js'
import { type CounterStatus, MessageCounter } from './counter.js'
import { type LabEndpoint, openLabEndpoint } from './endpoints.js'

/** What a receiver is asked to do. */
export interface ReceiverConfig {
  readonly transport: LabTransportName
  /** The loopback address to bind, `127.0.0.1` or `::1`. */
  readonly host: string
  /** Envelopes of another session are foreign. */
  readonly session: number
  /** Messages the sender will send at most: sizes the metrics' arrays up front. */
  readonly expectedMessages: number
  /** Payload bytes per message (the envelope adds its header). */
  readonly payloadBytes: number
  /** Send every envelope flagged for echo back to whoever sent it (round-trip mode). */
  readonly echo: boolean
  /** UDP: ask the kernel for this receive buffer (SO_RCVBUF); the OS default otherwise. */
  readonly recvBufferBytes?: number | undefined
}

/** What a receiver hands back at the end. */
export interface ReceiverOutcome {
  readonly summary: ReceiverSummary
  /** UDP: the receive buffer the socket had (SO_RCVBUF as the kernel reports it). */
  readonly recvBufferBytes: number | undefined
  /** Echoes that could not be sent back (round-trip mode). */
  readonly echoFailures: number
  /** UDP on Linux: datagrams dropped at the receiver's socket (its buffer was full) or queue. */
  readonly socketDrops?: number
}

/** The lab's receiver: binds a loopback port and counts every message (echoing in round-trip mode). */
export class Receiver {
  private readonly counter: MessageCounter

  private constructor(
    private readonly endpoint: LabEndpoint,
    config: ReceiverConfig,
  ) {
    this.counter = new MessageCounter(endpoint, {
      session: config.session,
      expectedMessages: config.expectedMessages,
      echo: config.echo,
    })
  }

  /** Binds and starts receiving. */
  static async start(config: ReceiverConfig): Promise<Receiver> {
    const endpoint = await openLabEndpoint(config.transport, {
      bind: { host: config.host, port: 0 },
      listen: true,
      payloadBytes: config.payloadBytes,
      recvBufferBytes: config.recvBufferBytes,
    })
    return new Receiver(endpoint, config)
  }

  /** The address the sender (or the relay) sends to. */
  get address(): SocketAddress {
    const address = this.endpoint.localAddress
    if (address === undefined) throw new Error('the receiver is not bound')
    return address
  }

  status(): CounterStatus {
    return this.counter.status()
  }

  /** See {@link MessageCounter.startIntervals}. */
  startIntervals(originNs: number, intervalMs: number): void {
    this.counter.startIntervals(originNs, intervalMs)
  }

  /** See {@link MessageCounter.takeIntervals}. */
  takeIntervals(nowNs: number, final: boolean): LabInterval[] {
    return this.counter.takeIntervals(nowNs, final)
  }

  /** Stops receiving and hands back everything measured; `messages` adds the per-message records. */
  async finish(messages: boolean): Promise<ReceiverOutcome> {
    const recvBufferBytes = this.endpoint.recvBufferSize
    // The kernel forgets a socket's drops when it closes.
    const socketDrops = receiveDrops(this.endpoint)
    await this.close()
    return {
      summary: this.counter.summary(messages),
      recvBufferBytes,
      echoFailures: this.counter.echoFailures,
      ...(socketDrops === undefined ? {} : { socketDrops }),
    }
  }

  /** Stops receiving. */
  async close(): Promise<void> {
    await this.endpoint.close()
    await this.counter.done
  }
}
