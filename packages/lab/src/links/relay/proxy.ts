import type { DatagramImpairment, SocketAddress, StreamImpairment } from '@protolab/core'
import { type TcpProxy, tcpProxy } from '@protolab/tcp'
import { type UdpProxy, udpProxy } from '@protolab/udp'
import type { LabTransportName } from '../../runner/transport-name.js'
import { labTransport } from '../../transports/registry.js'

/** What {@link startProxy} is given: the relay of a transport between any two programs. */
export interface ProxyInit {
  /** The transport relayed, as the lab names it; KCP is relayed as the UDP datagrams it is made of. */
  readonly transport: LabTransportName
  /** Where clients send or connect (port 0: the OS picks). */
  readonly listen: { readonly host: string; readonly port: number }
  readonly to: { readonly host: string; readonly port: number }
  /** A DatagramImpairment for a datagram transport, a StreamImpairment for a stream; none relays as is. */
  readonly impairment?: DatagramImpairment | StreamImpairment
  /** `forward`: only the way to `to` is impaired; `both`: the way back too. */
  readonly direction?: 'forward' | 'both'
  /** The impairment's seed (random, and readable as `proxy.seed`, when absent). */
  readonly seed?: number
  /** A client (datagram) or connection (stream) silent this long is dropped. */
  readonly idleTimeoutMs?: number
  /** Most clients (datagram) or connections (stream) at once; the relay's own default when absent. */
  readonly maxPeers?: number
  /** Decides whether a new client may use the relay (`--allow`/`--deny`). */
  readonly acceptClient?: (client: SocketAddress) => boolean
}

/**
 * Starts the lab's seeded impairment relay for `transport` between any two programs, as
 * `protolab proxy` does: @protolab/udp's `udpProxy` for a datagram transport (UDP, KCP),
 * @protolab/tcp's `tcpProxy` for a stream. Await its `listening` before use; `stats()` says what
 * it did, and `close()` stops it.
 * @throws InvalidArgumentError for a transport the lab does not know.
 */
export function startProxy(init: ProxyInit): UdpProxy | TcpProxy {
  const { transport, impairment, maxPeers, ...relay } = init
  if (labTransport(transport).impairment === 'datagram') {
    return udpProxy({
      ...relay,
      ...(impairment === undefined ? {} : { impairment: impairment as DatagramImpairment }),
      ...(maxPeers === undefined ? {} : { maxClients: maxPeers }),
    })
  }
  return tcpProxy({
    ...relay,
    ...(impairment === undefined ? {} : { impairment: impairment as StreamImpairment }),
    ...(maxPeers === undefined ? {} : { maxConnections: maxPeers }),
  })
}
