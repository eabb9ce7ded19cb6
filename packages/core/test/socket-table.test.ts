import { describe, expect, it } from 'vitest'
import { parseProcNet, type SocketEntry, selectSockets } from '../src/index.js'

const TAIL = '00000000:00000000 00:00000000 00000000  1000        0 123456 1 0000000000000000 100 0 0 10 0'
const TCP = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1F90 00000000:0000 0A ${TAIL}
   1: 00000000:0016 00000000:0000 0A ${TAIL}
   2: 0100007F:1F90 0100007F:D1A2 01 ${TAIL}
   3: 0100007F:D1A2 0100007F:1F90 06 ${TAIL}
`
const TCP6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000001000000:1F91 00000000000000000000000000000000:0000 0A ${TAIL}
   1: 0000000000000000FFFF00000100007F:0050 0000000000000000FFFF00000100007F:C350 08 ${TAIL}
   2: B80D0120000000000000000001000000:01BB 00000000000000000000000000000000:0000 0A ${TAIL}
`
const UDP = `   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops
  100: 3500007F:0035 00000000:0000 07 ${TAIL} 0
  101: 0100007F:A000 0100007F:0035 01 ${TAIL} 0
`

describe('parseProcNet', () => {
  it('reads IPv4 addresses and ports (little-endian hex words) and TCP states', () => {
    const sockets = parseProcNet(TCP, 'tcp')
    expect(sockets).toEqual([
      {
        proto: 'tcp',
        localAddress: '127.0.0.1',
        localPort: 8080,
        remoteAddress: '0.0.0.0',
        remotePort: 0,
        state: 'LISTEN',
        service: 'http-alt',
      },
      {
        proto: 'tcp',
        localAddress: '0.0.0.0',
        localPort: 22,
        remoteAddress: '0.0.0.0',
        remotePort: 0,
        state: 'LISTEN',
        service: 'ssh',
      },
      {
        proto: 'tcp',
        localAddress: '127.0.0.1',
        localPort: 8080,
        remoteAddress: '127.0.0.1',
        remotePort: 53666,
        state: 'ESTABLISHED',
        service: 'http-alt',
      },
      {
        proto: 'tcp',
        localAddress: '127.0.0.1',
        localPort: 53666,
        remoteAddress: '127.0.0.1',
        remotePort: 8080,
        state: 'TIME_WAIT',
        service: 'http-alt',
      },
    ])
  })

  it('reads IPv6 addresses word by word, v4-mapped ones included', () => {
    const sockets = parseProcNet(TCP6, 'tcp6')
    expect(sockets.map((s) => [s.localAddress, s.localPort, s.remoteAddress, s.remotePort, s.state])).toEqual(
      [
        ['::1', 8081, '::', 0, 'LISTEN'],
        ['::ffff:127.0.0.1', 80, '::ffff:127.0.0.1', 50000, 'CLOSE_WAIT'],
        ['2001:db8::1', 443, '::', 0, 'LISTEN'],
      ],
    )
    expect(sockets[2]?.service).toBe('https')
  })

  it('shows an unconnected UDP socket as UNCONN and names the remote service of a client socket', () => {
    expect(parseProcNet(UDP, 'udp')).toEqual([
      {
        proto: 'udp',
        localAddress: '127.0.0.53',
        localPort: 53,
        remoteAddress: '0.0.0.0',
        remotePort: 0,
        state: 'UNCONN',
        service: 'domain',
      },
      {
        proto: 'udp',
        localAddress: '127.0.0.1',
        localPort: 40960,
        remoteAddress: '127.0.0.1',
        remotePort: 53,
        state: 'ESTABLISHED',
        service: 'domain',
      },
    ])
  })

  it('gives null for a port with no well-known service, and an empty table for a header alone', () => {
    const text = `  sl  local_address rem_address   st\n   0: 0100007F:D431 00000000:0000 0A ${TAIL}\n`
    expect(parseProcNet(text, 'tcp')[0]?.service).toBeNull()
    expect(parseProcNet(TCP.split('\n')[0] ?? '', 'tcp')).toEqual([])
  })

  it('refuses lines that are not socket entries with a typed error', () => {
    expect(() => parseProcNet(`header\n   0: 0100007F 00000000:0000 0A\n`, 'tcp')).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
    )
    expect(() => parseProcNet(`header\n   0: 0100007F:1F90 00000000:0000\n`, 'tcp')).toThrow(
      /line 2 of \/proc\/net\/tcp/,
    )
    // An IPv4-length address in the IPv6 table.
    expect(() => parseProcNet(`header\n   0: 0100007F:1F90 00000000:0000 0A\n`, 'tcp6')).toThrow(
      /malformed address/,
    )
  })
})

describe('selectSockets', () => {
  const all: SocketEntry[] = [
    ...parseProcNet(UDP, 'udp'),
    ...parseProcNet(TCP6, 'tcp6'),
    ...parseProcNet(TCP, 'tcp'),
  ]

  it('sorts by table, then local port', () => {
    expect(selectSockets(all, {}).map((s) => `${s.proto}:${s.localPort}`)).toEqual([
      'tcp:22',
      'tcp:8080',
      'tcp:8080',
      'tcp:53666',
      'tcp6:80',
      'tcp6:443',
      'tcp6:8081',
      'udp:53',
      'udp:40960',
    ])
  })

  it('keeps only listening sockets (TCP LISTEN, UDP UNCONN) with --listening', () => {
    expect(
      selectSockets(all, { listening: true }).map((s) => `${s.proto}:${s.localPort}:${s.state}`),
    ).toEqual(['tcp:22:LISTEN', 'tcp:8080:LISTEN', 'tcp6:443:LISTEN', 'tcp6:8081:LISTEN', 'udp:53:UNCONN'])
  })

  it('filters by protocol, both flags meaning both', () => {
    expect(new Set(selectSockets(all, { udp: true }).map((s) => s.proto))).toEqual(new Set(['udp']))
    expect(new Set(selectSockets(all, { tcp: true }).map((s) => s.proto))).toEqual(new Set(['tcp', 'tcp6']))
    expect(selectSockets(all, { tcp: true, udp: true })).toHaveLength(all.length)
  })
})
