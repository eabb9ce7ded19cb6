import type { SocketEntry } from './proc-net.js'

/** Which sockets to select, as `protolab ports`'s flags ask. */
export interface SocketFilter {
  /** TCP sockets (with `udp` false or absent and `tcp` true: TCP only). */
  readonly tcp?: boolean
  readonly udp?: boolean
  /** Only sockets waiting for peers: TCP in LISTEN, UDP unconnected (UNCONN), as `netstat -l`. */
  readonly listening?: boolean
}

/** The sockets `filter` selects, sorted by table (tcp, tcp6, udp, udp6), then local port and address. */
export function selectSockets(entries: readonly SocketEntry[], filter: SocketFilter): SocketEntry[] {
  const both = filter.tcp === filter.udp
  const order = ['tcp', 'tcp6', 'udp', 'udp6']
  return entries
    .filter((entry) => both || (entry.proto.startsWith('tcp') ? filter.tcp : filter.udp))
    .filter((entry) => !filter.listening || entry.state === 'LISTEN' || entry.state === 'UNCONN')
    .sort(
      (a, b) =>
        order.indexOf(a.proto) - order.indexOf(b.proto) ||
        a.localPort - b.localPort ||
        a.localAddress.localeCompare(b.localAddress),
    )
}
