import type { DatagramImpairment, Destination, SocketAddress, StreamImpairment } from '@protolab/core'
import { type TcpProxyStats, tcpProxy } from '@protolab/tcp'
import { type UdpProxyStats, udpProxy } from '@protolab/udp'
import { udpSocketDrops } from '../../kernel-counters/udp-counters.js'
import type { LabTransportName } from '../types.js'

/** What the lab's relay is asked to do. */
export interface RelayConfig {
  readonly transport: LabTransportName
  /** The loopback address to listen on. */
  readonly host: string
  /** UDP: SO_RCVBUF and SO_SNDBUF of the relay's sockets. */
  readonly socketBufferBytes?: number
  /** The receiver. */
  readonly target: Destination
  /** UDP: a DatagramImpairment; TCP: a StreamImpairment. */
  readonly impairment: DatagramImpairment | StreamImpairment
  readonly seed: number
}

/**
 * What the relay did, as its proxy counts it, and for UDP on Linux, `socketDrops`: datagrams the
 * kernel dropped at the relay's listening socket (its buffer was full), which never reached it.
 */
export type RelayReport = (UdpProxyStats | TcpProxyStats) & { readonly socketDrops?: number }

interface Proxy {
  readonly listening: Promise<void>
  readonly address: SocketAddress | undefined
  stats(): RelayReport
  close(): Promise<void>
}

/**
 * The lab's impairment relay between sender and receiver: @protolab/udp's `udpProxy` or
 * @protolab/tcp's `tcpProxy`, listening on an OS-chosen loopback port, impairing the way to the
 * receiver (echoes come back unimpaired).
 */
export class Relay {
  private constructor(
    private readonly proxy: Proxy,
    private readonly transport: LabTransportName,
  ) {}

  static async start(config: RelayConfig): Promise<Relay> {
    const init = {
      listen: { host: config.host, port: 0 },
      to: { host: config.target.address, port: config.target.port },
      seed: config.seed,
    }
    const proxy: Proxy =
      config.transport === 'udp'
        ? udpProxy({
            ...init,
            impairment: config.impairment as DatagramImpairment,
            ...(config.socketBufferBytes === undefined
              ? {}
              : { socketBufferBytes: config.socketBufferBytes }),
          })
        : tcpProxy({ ...init, impairment: config.impairment as StreamImpairment })
    try {
      await proxy.listening
    } catch (error) {
      await proxy.close()
      throw error
    }
    return new Relay(proxy, config.transport)
  }

  get address(): SocketAddress {
    const address = this.proxy.address
    if (address === undefined) throw new Error('the relay is not listening')
    return address
  }

  /** Stops relaying and hands back the relay's counts. */
  async stop(): Promise<RelayReport> {
    const stats = this.proxy.stats()
    const address = this.proxy.address
    // Read before closing: the kernel forgets a socket's drops when it closes.
    const socketDrops =
      this.transport === 'udp' && address !== undefined
        ? udpSocketDrops(address.address, address.port)
        : undefined
    await this.proxy.close()
    return socketDrops === undefined ? stats : { ...stats, socketDrops }
  }

  async close(): Promise<void> {
    await this.proxy.close()
  }
}
