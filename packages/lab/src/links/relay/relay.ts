import type { DatagramImpairment, Destination, SocketAddress, StreamImpairment } from '@protolab/core'
import type { TcpProxyStats } from '@protolab/tcp'
import type { UdpProxyStats } from '@protolab/udp'
import type { LabTransportName } from '../../runner/transport-name.js'
import type { LabRelayProxy, LabTransport } from '../../transports/lab-transport.js'
import { labTransport } from '../../transports/registry.js'

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

/**
 * The lab's impairment relay between sender and receiver: the transport's own relay (its
 * descriptor's `relay`: @protolab/udp's `udpProxy`, @protolab/tcp's `tcpProxy`), listening on an
 * OS-chosen loopback port, impairing the way to the receiver (echoes come back unimpaired).
 */
export class Relay {
  private constructor(
    private readonly proxy: LabRelayProxy,
    private readonly transport: LabTransport,
  ) {}

  static async start(config: RelayConfig): Promise<Relay> {
    const init = {
      listen: { host: config.host, port: 0 },
      to: { host: config.target.address, port: config.target.port },
      seed: config.seed,
    }
    const transport = labTransport(config.transport)
    const proxy = transport.relay({
      ...init,
      impairment: config.impairment,
      ...(config.socketBufferBytes === undefined ? {} : { socketBufferBytes: config.socketBufferBytes }),
    })
    try {
      await proxy.listening
    } catch (error) {
      await proxy.close()
      throw error
    }
    return new Relay(proxy, transport)
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
    const stats = this.proxy.stats() as RelayReport
    if ('clients' in stats) {
      const { toServer, toClient } = stats
      return toServer.received + toServer.forwarded + toClient.received + toClient.forwarded
    }
    return stats.toServer.bytes + stats.toServer.writes + stats.toClient.bytes + stats.toClient.writes
  }

  /** Stops relaying and hands back the relay's counts. */
  async stop(): Promise<RelayReport> {
    const stats = this.proxy.stats() as RelayReport
    const address = this.proxy.address
    // Read before closing: the kernel forgets a socket's drops when it closes.
    const socketDrops = address === undefined ? undefined : this.transport.socketDrops?.(address)
    await this.proxy.close()
    return socketDrops === undefined ? stats : { ...stats, socketDrops }
  }

  async close(): Promise<void> {
    await this.proxy.close()
  }
}
