import { parseProcNetEnd } from '../address/proc-net-end.js'
import { serviceName } from '../address/services.js'
import { InvalidArgumentError } from '../errors.js'

/** The socket tables of /proc/net, by the `proto` name netstat gives them. */
export const SOCKET_PROTOS = ['tcp', 'tcp6', 'udp', 'udp6'] as const

/** A socket table: TCP or UDP, over IPv4 or IPv6. */
export type SocketProto = (typeof SOCKET_PROTOS)[number]

/** One socket of a table, as `protolab ports --json` prints it. */
export interface SocketEntry {
  readonly proto: SocketProto
  readonly localAddress: string
  readonly localPort: number
  /** `0.0.0.0` or `::` with port 0 when the socket has no peer. */
  readonly remoteAddress: string
  readonly remotePort: number
  /** A TCP state (LISTEN, ESTABLISHED, ...), or UNCONN / ESTABLISHED for UDP. */
  readonly state: string
  /** The well-known service of the local port, else of the remote port; null when neither has one. */
  readonly service: string | null
}

/** The kernel's TCP states (include/net/tcp_states.h), by the hex number /proc/net prints. */
export const TCP_STATES: Readonly<Record<string, string>> = {
  '01': 'ESTABLISHED',
  '02': 'SYN_SENT',
  '03': 'SYN_RECV',
  '04': 'FIN_WAIT1',
  '05': 'FIN_WAIT2',
  '06': 'TIME_WAIT',
  '07': 'CLOSE',
  '08': 'CLOSE_WAIT',
  '09': 'LAST_ACK',
  '0A': 'LISTEN',
  '0B': 'CLOSING',
  '0C': 'NEW_SYN_RECV',
}

/**
 * Parses the text of one /proc/net table (`/proc/net/tcp`, `tcp6`, `udp` or `udp6`) into sockets.
 * Addresses there are hex of 32-bit words in the host's byte order, little-endian on the machines
 * Linux runs on today (x86, ARM): `0100007F:1F90` is 127.0.0.1:8080. A UDP socket in state 07
 * (TCP_CLOSE) has no peer and is shown as UNCONN, as `ss` does.
 * @throws InvalidArgumentError when a line does not have the table's layout.
 */
export function parseProcNet(text: string, proto: SocketProto): SocketEntry[] {
  const isUdp = proto.startsWith('udp')
  const addressHexLength = proto.endsWith('6') ? 32 : 8
  const entries: SocketEntry[] = []
  const lines = text.split('\n')
  for (const [index, line] of lines.entries()) {
    const fields = line.trim().split(/\s+/)
    // The first line is the column header; a blank line ends the table.
    if (index === 0 || fields[0] === '') continue
    const [, local, remote, stateHex] = fields
    const where = `line ${index + 1} of /proc/net/${proto}`
    if (
      local === undefined ||
      remote === undefined ||
      stateHex === undefined ||
      !/^[0-9A-F]{2}$/.test(stateHex)
    ) {
      throw new InvalidArgumentError(`${where} is not a socket entry: '${line.trim()}'`)
    }
    const localEnd = parseProcNetEnd(local, addressHexLength, where)
    const remoteEnd = parseProcNetEnd(remote, addressHexLength, where)
    const tcpState = TCP_STATES[stateHex] ?? `UNKNOWN(${stateHex})`
    const state = isUdp ? (stateHex === '07' ? 'UNCONN' : tcpState) : tcpState
    const protocol = isUdp ? 'udp' : 'tcp'
    entries.push({
      proto,
      localAddress: localEnd.address,
      localPort: localEnd.port,
      remoteAddress: remoteEnd.address,
      remotePort: remoteEnd.port,
      state,
      service:
        serviceName(localEnd.port, protocol) ??
        (remoteEnd.port === 0 ? undefined : serviceName(remoteEnd.port, protocol)) ??
        null,
    })
  }
  return entries
}
