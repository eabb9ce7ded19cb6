import { readFileSync } from 'node:fs'
import { parseProcNetEnd } from '@protolab/core'

/**
 * The kernel's own counts of UDP datagrams it dropped, read from /proc of the calling process's
 * network namespace (Linux only; every reader gives undefined elsewhere or when /proc is not
 * readable). Read by the process that owns the socket, so that it is the right namespace.
 */

/**
 * The `drops` column of /proc/net/udp or /proc/net/udp6 for the socket bound to `address` and
 * `port`: datagrams the kernel dropped at that socket since it was opened, nearly all because its
 * receive buffer was full. Undefined when the socket is not in the table or /proc is unreadable.
 */
export function udpSocketDrops(address: string, port: number): number | undefined {
  const ipv6 = address.includes(':')
  const text = readProc(ipv6 ? '/proc/net/udp6' : '/proc/net/udp')
  if (text === undefined) return undefined
  let drops: number | undefined
  for (const line of text.split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/)
    const local = fields[1]
    const count = Number(fields.at(-1))
    if (local === undefined || fields.length < 13 || !Number.isSafeInteger(count)) continue
    let end: { address: string; port: number }
    try {
      end = parseProcNetEnd(local, ipv6 ? 32 : 8, 'a /proc/net/udp line')
    } catch {
      continue
    }
    if (end.port !== port || end.address !== address) continue
    drops = (drops ?? 0) + count
  }
  return drops
}

/** The namespace-wide UDP counters of /proc/net/snmp that count drops. */
export interface UdpSnmpCounters {
  /** Datagrams dropped because a receiving socket's buffer was full. */
  readonly rcvbufErrors: number
  /** Datagrams a sender's kernel refused for want of send buffer (ENOBUFS, EAGAIN). */
  readonly sndbufErrors: number
  /** Datagrams that arrived for a port nobody listened on. */
  readonly noPorts: number
}

/**
 * The `Udp:` counters of /proc/net/snmp (IPv4 and IPv6 together, with /proc/net/snmp6's `Udp6`
 * ones): namespace-wide, so they say something about one run only in a namespace of its own
 * (the kernel link's). Undefined off Linux.
 */
export function udpSnmpCounters(): UdpSnmpCounters | undefined {
  const snmp = readProc('/proc/net/snmp')
  if (snmp === undefined) return undefined
  const lines = snmp.split('\n').filter((line) => line.startsWith('Udp: '))
  const names = lines[0]?.split(/\s+/).slice(1) ?? []
  const values = lines[1]?.split(/\s+/).slice(1).map(Number) ?? []
  const v4 = (name: string): number => values[names.indexOf(name)] ?? 0
  const v6 = snmp6Counters()
  return {
    rcvbufErrors: v4('RcvbufErrors') + (v6.get('Udp6RcvbufErrors') ?? 0),
    sndbufErrors: v4('SndbufErrors') + (v6.get('Udp6SndbufErrors') ?? 0),
    noPorts: v4('NoPorts') + (v6.get('Udp6NoPorts') ?? 0),
  }
}

function snmp6Counters(): Map<string, number> {
  const counters = new Map<string, number>()
  for (const line of (readProc('/proc/net/snmp6') ?? '').split('\n')) {
    const [name, value] = line.trim().split(/\s+/)
    if (name !== undefined && value !== undefined) counters.set(name, Number(value))
  }
  return counters
}

function readProc(path: string): string | undefined {
  if (process.platform !== 'linux') return undefined
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return undefined
  }
}
