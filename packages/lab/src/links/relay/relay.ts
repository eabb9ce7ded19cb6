import type { DatagramImpairment, Destination, SocketAddress, StreamImpairment } from '@protolab/core'
import { type TcpProxyStats, tcpProxy } from '@protolab/tcp'
import { type UdpProxyStats, udpProxy } from '@protolab/udp'
import type { LabTransportName } from '../../runner/transport-name.js'

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

/** What the relay did, as its proxy counts it. */
export type RelayReport = UdpProxyStats | TcpProxyStats

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
  private constructor(private readonly proxy: Proxy) {}

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
    return new Relay(proxy)
  }

  get address(): SocketAddress {
    const address = this.proxy.address
    if (address === undefined) throw new Error('the relay is not listening')
    return address
  }

  /**
   * A count that grows whenever the relay reads, writes, forwards or drops anything: while it
   * grows, the relay is still working on the run.
   */
  moved(): number {
    const stats = this.proxy.stats()
    if ('clients' in stats) {
      const { toServer, toClient } = stats
      return toServer.received + toServer.forwarded + toClient.received + toClient.forwarded
    }
    return stats.toServer.bytes + stats.toServer.writes + stats.toClient.bytes + stats.toClient.writes
  }

  /** Stops relaying and hands back the relay's counts. */
  async stop(): Promise<RelayReport> {
    const stats = this.proxy.stats()
    await this.proxy.close()
    return stats
  }

  async close(): Promise<void> {
    await this.proxy.close()
  }
}
