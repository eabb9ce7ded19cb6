import { readFile } from 'node:fs/promises'

/** One interface's counters from `/proc/<pid>/net/dev`. */
export interface InterfaceCounters {
  readonly rxPackets: number
  readonly rxDropped: number
  readonly txPackets: number
  readonly txDropped: number
}

/** The counters of one network namespace that the packet link accounts with. */
export interface NamespaceCounters {
  readonly interfaces: ReadonlyMap<string, InterfaceCounters>
  /** Sum of the `drops` column of `/proc/net/udp`: datagrams its UDP sockets' receive buffers refused. */
  readonly udpSocketDrops: number
  /** `Udp: RcvbufErrors` of `/proc/net/snmp`, and `Udp6RcvbufErrors` of `/proc/net/snmp6`. */
  readonly udpRcvbufErrors: number
  /** `Udp: InCsumErrors` and `Udp6InCsumErrors`: datagrams dropped for a bad checksum (corrupted on the way). */
  readonly udpChecksumErrors: number
  /** `Tcp: InCsumErrors`. */
  readonly tcpChecksumErrors: number
  /** What the kernel's TCP did: `Tcp: RetransSegs` and the `TcpExt` fields of {@link TCP_WORK_FIELDS}. */
  readonly tcp: Readonly<Record<TcpWorkField, number>>
}

/**
 * The kernel's TCP counters that show it at work on an impaired path: segments retransmitted, by
 * fast retransmit and after a timeout, reordering detected, and duplicate segments reported back
 * (D-SACK) by the receiver and heard by the sender.
 */
export const TCP_WORK_FIELDS = [
  'RetransSegs',
  'TCPFastRetrans',
  'TCPTimeouts',
  'TCPLostRetransmit',
  'TCPSACKReorder',
  'TCPTSReorder',
  'TCPDSACKOldSent',
  'TCPDSACKOfoSent',
  'TCPDSACKRecv',
] as const

/** One of {@link TCP_WORK_FIELDS}. */
export type TcpWorkField = (typeof TCP_WORK_FIELDS)[number]

/**
 * Reads the counters of the network namespace `pid` lives in (`self` for this process's):
 * `/proc/<pid>/net` shows that process's namespace, so no `nsenter` is needed.
 */
export async function readNamespaceCounters(pid: number | 'self'): Promise<NamespaceCounters> {
  const base = `/proc/${pid}/net`
  const [dev, udp, snmp, netstat, snmp6] = await Promise.all([
    readFile(`${base}/dev`, 'utf8'),
    readFile(`${base}/udp`, 'utf8'),
    readFile(`${base}/snmp`, 'utf8'),
    readFile(`${base}/netstat`, 'utf8'),
    // Absent where the kernel has no IPv6.
    readFile(`${base}/snmp6`, 'utf8').catch(() => ''),
  ])
  const snmpTable = parseSnmp(snmp)
  const udp6 = parseSnmp6(snmp6)
  const extended = parseSnmp(netstat).get('TcpExt')
  const tcp = {} as Record<TcpWorkField, number>
  for (const field of TCP_WORK_FIELDS) {
    tcp[field] = (field === 'RetransSegs' ? snmpTable.get('Tcp')?.get(field) : extended?.get(field)) ?? 0
  }
  return {
    interfaces: parseNetDev(dev),
    udpSocketDrops: sumUdpDrops(udp),
    udpRcvbufErrors: (snmpTable.get('Udp')?.get('RcvbufErrors') ?? 0) + (udp6.get('Udp6RcvbufErrors') ?? 0),
    udpChecksumErrors: (snmpTable.get('Udp')?.get('InCsumErrors') ?? 0) + (udp6.get('Udp6InCsumErrors') ?? 0),
    tcpChecksumErrors: snmpTable.get('Tcp')?.get('InCsumErrors') ?? 0,
    tcp,
  }
}

/** Parses `/proc/net/dev`: per interface, packets and drops received and sent. */
export function parseNetDev(text: string): Map<string, InterfaceCounters> {
  const result = new Map<string, InterfaceCounters>()
  for (const line of text.split('\n').slice(2)) {
    const colon = line.indexOf(':')
    if (colon < 0) continue
    const name = line.slice(0, colon).trim()
    const fields = line
      .slice(colon + 1)
      .trim()
      .split(/\s+/)
      .map(Number)
    // rx: bytes packets errs drop fifo frame compressed multicast; tx: bytes packets errs drop ...
    result.set(name, {
      rxPackets: fields[1] ?? 0,
      rxDropped: fields[3] ?? 0,
      txPackets: fields[9] ?? 0,
      txDropped: fields[11] ?? 0,
    })
  }
  return result
}

/** The sum of the last column (`drops`) of `/proc/net/udp`. */
export function sumUdpDrops(text: string): number {
  let drops = 0
  for (const line of text.split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/)
    const last = Number(fields.at(-1))
    if (fields.length > 10 && Number.isFinite(last)) drops += last
  }
  return drops
}

/** `/proc/net/snmp` (or `/proc/net/netstat`) as protocol → field → value (its lines come in name/value pairs). */
export function parseSnmp(text: string): Map<string, Map<string, number>> {
  const result = new Map<string, Map<string, number>>()
  const lines = text.split('\n')
  for (let i = 0; i + 1 < lines.length; i += 2) {
    const names = lines[i]!.split(/\s+/)
    const values = lines[i + 1]!.split(/\s+/)
    const protocol = names[0]?.replace(/:$/, '')
    if (protocol === undefined || protocol === '') continue
    const fields = new Map<string, number>()
    for (let j = 1; j < names.length; j++) fields.set(names[j]!, Number(values[j]))
    result.set(protocol, fields)
  }
  return result
}

/** `/proc/net/snmp6` as field → value (a `name value` pair per line). */
export function parseSnmp6(text: string): Map<string, number> {
  const result = new Map<string, number>()
  for (const line of text.split('\n')) {
    const [name, value] = line.trim().split(/\s+/)
    if (name !== undefined && name !== '' && value !== undefined) result.set(name, Number(value))
  }
  return result
}
