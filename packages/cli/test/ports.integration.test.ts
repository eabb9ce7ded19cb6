import { createSocket, type Socket as DatagramSocket } from 'node:dgram'
import { connect, createServer, type Server, type Socket } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runProtolab } from './helpers/processes.js'

interface PortsEntry {
  proto: string
  localAddress: string
  localPort: number
  remoteAddress: string
  remotePort: number
  state: string
  service: string | null
}

async function ports(...flags: string[]): Promise<PortsEntry[]> {
  const result = await runProtolab(['ports', '--json', ...flags])
  expect(result.code, result.stderr).toBe(0)
  return JSON.parse(result.stdout) as PortsEntry[]
}

describe.runIf(process.platform === 'linux')('protolab ports shows the sockets this test opened', () => {
  let server: Server
  let server6: Server
  let client: Socket
  let datagram: DatagramSocket
  let port: number
  let port6: number
  let udpPort: number

  beforeAll(async () => {
    server = createServer()
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    port = (server.address() as { port: number }).port
    server6 = createServer()
    await new Promise<void>((resolve) => server6.listen(0, '::1', resolve))
    port6 = (server6.address() as { port: number }).port
    client = connect(port, '127.0.0.1')
    await new Promise<void>((resolve) => client.once('connect', resolve))
    datagram = createSocket('udp4')
    await new Promise<void>((resolve) => datagram.bind(0, '127.0.0.1', resolve))
    udpPort = datagram.address().port
  })

  afterAll(async () => {
    client?.destroy()
    datagram?.close()
    await Promise.all([server, server6].map((s) => new Promise((resolve) => s?.close(resolve))))
  })

  it('lists a TCP listener, both ends of its connection, an IPv6 listener and a UDP socket, with exactly the contract fields', async () => {
    const all = await ports()
    expect(all.find((s) => s.proto === 'tcp' && s.localPort === port && s.state === 'LISTEN')).toEqual({
      proto: 'tcp',
      localAddress: '127.0.0.1',
      localPort: port,
      remoteAddress: '0.0.0.0',
      remotePort: 0,
      state: 'LISTEN',
      service: expect.toSatisfy((value: unknown) => value === null || typeof value === 'string'),
    })
    const clientPort = client.localPort ?? -1
    expect(all).toContainEqual(
      expect.objectContaining({
        proto: 'tcp',
        localPort: clientPort,
        remotePort: port,
        state: 'ESTABLISHED',
      }),
    )
    expect(all).toContainEqual(
      expect.objectContaining({
        proto: 'tcp',
        localPort: port,
        remotePort: clientPort,
        state: 'ESTABLISHED',
      }),
    )
    expect(all).toContainEqual(
      expect.objectContaining({ proto: 'tcp6', localAddress: '::1', localPort: port6, state: 'LISTEN' }),
    )
    expect(all).toContainEqual(
      expect.objectContaining({
        proto: 'udp',
        localAddress: '127.0.0.1',
        localPort: udpPort,
        state: 'UNCONN',
      }),
    )
  })

  it('keeps only listening sockets, and only one protocol, when asked', async () => {
    const listening = await ports('--listening')
    expect(listening.every((s) => s.state === 'LISTEN' || s.state === 'UNCONN')).toBe(true)
    expect(listening).toContainEqual(expect.objectContaining({ localPort: port, state: 'LISTEN' }))
    const udpOnly = await ports('--udp')
    expect(udpOnly.every((s) => s.proto.startsWith('udp'))).toBe(true)
    expect(udpOnly).toContainEqual(expect.objectContaining({ localPort: udpPort }))
  })

  it('prints a netstat-like table', async () => {
    const result = await runProtolab(['ports', '--listening', '--tcp'])
    expect(result.code).toBe(0)
    expect(result.stdout.split('\n')[0]).toMatch(
      /^Proto\s+Local Address\s+Foreign Address\s+State\s+Service$/,
    )
    expect(result.stdout).toMatch(
      new RegExp(`^tcp\\s+127\\.0\\.0\\.1:${port}\\s+0\\.0\\.0\\.0:\\*\\s+LISTEN`, 'm'),
    )
    expect(result.stdout).toMatch(new RegExp(`^tcp6\\s+\\[::1\\]:${port6}\\s+\\[::\\]:\\*\\s+LISTEN`, 'm'))
  })
})
