import type { Endpoint, SocketAddress } from '@protolab/core'
import {
  canBindDatagram,
  MAX_UDP_PAYLOAD_IPV4,
  MAX_UDP_PAYLOAD_IPV6,
  type UdpEndpoint,
  type UdpInit,
  udp,
} from '@protolab/udp'
import { afterEach, describe, expect, it } from 'vitest'
import { freePort, nextMessage } from './_helpers.js'

const ipv6 = await canBindDatagram('::1')
const opened: Endpoint[] = []

afterEach(async () => {
  await Promise.allSettled(opened.splice(0).map((endpoint) => endpoint.close()))
})

async function open(
  init: UdpInit,
  options: Parameters<ReturnType<typeof udp>['open']>[0],
): Promise<UdpEndpoint> {
  const endpoint = await udp(init).open(options)
  opened.push(endpoint)
  return endpoint
}

async function receiver(init: UdpInit = {}, host = '127.0.0.1'): Promise<UdpEndpoint> {
  return open(init, { bind: { host, port: 0 } })
}

function portOf(endpoint: Endpoint): number {
  const port = endpoint.localAddress?.port
  if (port === undefined) throw new Error('endpoint is not bound')
  return port
}

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text)

describe('udp: maxMessageBytes', () => {
  it('cuts a 2000-byte datagram to 1024 bytes and flags it truncated, as recvfrom(1024) does', async () => {
    const server = await receiver({ maxMessageBytes: 1024 })
    const client = await open({}, { peer: { address: '127.0.0.1', port: portOf(server) } })
    const payload = Uint8Array.from({ length: 2000 }, (_, i) => i % 251)

    await client.send(payload)
    await client.send(payload.subarray(0, 1024))
    const long = await nextMessage(server)
    const exact = await nextMessage(server)

    expect(long.truncated).toBe(true)
    expect(long.payload.length).toBe(1024)
    expect(Buffer.from(long.payload).equals(Buffer.from(payload.subarray(0, 1024)))).toBe(true)
    expect(exact.truncated).toBe(false)
    expect(exact.payload.length).toBe(1024)
  })

  it('delivers a datagram of the largest IPv4 payload, 65507 bytes, whole by default', async () => {
    const server = await receiver({ recvBufferSize: 1 << 20 })
    const client = await open(
      { sendBufferSize: 1 << 20 },
      { peer: { address: '127.0.0.1', port: portOf(server) } },
    )
    const payload = Uint8Array.from({ length: MAX_UDP_PAYLOAD_IPV4 }, (_, i) => i % 253)
    await client.send(payload)
    const message = await nextMessage(server)
    expect(message.truncated).toBe(false)
    expect(Buffer.from(message.payload).equals(Buffer.from(payload))).toBe(true)
  })
})

describe('udp: message size limits', () => {
  it('rejects 65508 bytes over IPv4 with ERR_MESSAGE_TOO_LARGE before touching the socket', async () => {
    const server = await receiver()
    const client = await open({}, { peer: { address: '127.0.0.1', port: portOf(server) } })
    await expect(client.send(new Uint8Array(MAX_UDP_PAYLOAD_IPV4 + 1))).rejects.toMatchObject({
      code: 'ERR_MESSAGE_TOO_LARGE',
      size: 65508,
      limit: 65507,
    })
    const unbound = await open({}, {})
    await expect(
      unbound.send(new Uint8Array(65508), { address: '127.0.0.1', port: portOf(server) }),
    ).rejects.toMatchObject({ code: 'ERR_MESSAGE_TOO_LARGE' })
    expect(unbound.localAddress, 'a refused first send must not bind').toBeUndefined()
  })

  it.skipIf(!ipv6)('allows 65527 bytes over IPv6 and rejects 65528', async () => {
    const server = await receiver({ recvBufferSize: 1 << 20 }, '::1')
    const client = await open({ sendBufferSize: 1 << 20 }, { peer: { address: '::1', port: portOf(server) } })
    await expect(client.send(new Uint8Array(MAX_UDP_PAYLOAD_IPV6 + 1))).rejects.toMatchObject({
      code: 'ERR_MESSAGE_TOO_LARGE',
      limit: 65527,
    })
    await client.send(new Uint8Array(MAX_UDP_PAYLOAD_IPV6).fill(7))
    expect((await nextMessage(server)).payload.length).toBe(MAX_UDP_PAYLOAD_IPV6)
  })
})

describe('udp: binding', () => {
  it('rejects a taken port with ERR_PORT_IN_USE naming the address and port; reuseAddr shares it', async () => {
    const first = await receiver()
    const port = portOf(first)
    await expect(udp().open({ bind: { host: '127.0.0.1', port } })).rejects.toMatchObject({
      code: 'ERR_PORT_IN_USE',
      address: '127.0.0.1',
      port,
      message: expect.stringContaining(String(port)),
    })

    const shared = await open({ reuseAddr: true }, { bind: { host: '127.0.0.1', port: 0 } })
    const again = await open({ reuseAddr: true }, { bind: { host: '127.0.0.1', port: portOf(shared) } })
    expect(portOf(again)).toBe(portOf(shared))
  })

  it("binds every interface for '', 0.0.0.0 and ::, and receives on loopback there", async () => {
    const any4 = await receiver({}, '')
    expect(any4.localAddress?.address).toBe('0.0.0.0')
    const explicit = await receiver({}, '0.0.0.0')
    expect(explicit.localAddress?.address).toBe('0.0.0.0')
    const client = await open({}, { peer: { address: '127.0.0.1', port: portOf(any4) } })
    await client.send(bytes('to every interface'))
    expect(new TextDecoder().decode((await nextMessage(any4)).payload)).toBe('to every interface')
    if (ipv6) expect((await receiver({}, '::')).localAddress?.address).toBe('::')
  })

  it('binds a given port and reports it', async () => {
    const port = await freePort()
    const server = await receiver({}, '127.0.0.1')
    const fixed = await open({}, { bind: { host: '127.0.0.1', port } })
    expect(fixed.localAddress).toEqual({ address: '127.0.0.1', port, family: 'IPv4' })
    expect(portOf(server)).not.toBe(port)
  })

  it.skipIf(!ipv6)('defaults the bind host to ::1 for an IPv6 peer and to 127.0.0.1 otherwise', async () => {
    const server6 = await receiver({}, '::1')
    const bound6 = await open({}, { bind: { port: 0 }, peer: { address: '::1', port: portOf(server6) } })
    expect(bound6.localAddress?.address).toBe('::1')
    const bound4 = await open({}, { bind: { port: 0 } })
    expect(bound4.localAddress?.address).toBe('127.0.0.1')
  })

  it('rejects a bind host of the other family and a peer the socket cannot reach', async () => {
    await expect(udp({ type: 'udp4' }).open({ bind: { host: '::1', port: 0 } })).rejects.toMatchObject({
      code: 'ERR_INVALID_ADDRESS',
    })
    await expect(
      udp().open({ bind: { host: '127.0.0.1', port: 0 }, peer: { address: '::1', port: 9 } }),
    ).rejects.toMatchObject({ code: 'ERR_INVALID_ADDRESS' })
  })
})

describe('udp: abort', () => {
  it('rejects with ERR_ABORTED when the signal aborts during open, and releases the port', async () => {
    const port = await freePort()
    const controller = new AbortController()
    const opening = udp().open({ bind: { host: '127.0.0.1', port }, signal: controller.signal })
    controller.abort()
    await expect(opening).rejects.toMatchObject({ code: 'ERR_ABORTED' })
    const again = await open({}, { bind: { host: '127.0.0.1', port } })
    expect(portOf(again)).toBe(port)
  })
})

describe('udp: sending without bind', () => {
  it('binds an OS-chosen port on first send, as sendto does, and receives the reply there', async () => {
    const server = await receiver()
    const client = await open({}, {})
    expect(client.localAddress).toBeUndefined()

    await client.send(bytes('ping'), { address: '127.0.0.1', port: portOf(server) })
    const local = client.localAddress as SocketAddress
    expect(local.address).toBe('0.0.0.0')
    expect(local.port).toBeGreaterThan(0)

    const request = await nextMessage(server)
    expect(request.from.port).toBe(local.port)
    await server.send(bytes('pong'), request.from)
    const reply = await nextMessage(client)
    expect(new TextDecoder().decode(reply.payload)).toBe('pong')
    expect(reply.from).toEqual(server.localAddress)
  })

  it('close() right after the first sends still binds, sends them all, then closes', async () => {
    const server = await receiver()
    const client = await udp().open()
    const to = { address: '127.0.0.1', port: portOf(server) }
    const sends = Array.from({ length: 10 }, (_, i) => client.send(bytes(`#${i}`), to))
    await client.close()
    await expect(Promise.all(sends)).resolves.toHaveLength(10)
    await expect(client.send(bytes('late'), to)).rejects.toMatchObject({ code: 'ERR_CLOSED' })
    const received: string[] = []
    for (let i = 0; i < 10; i++) received.push(new TextDecoder().decode((await nextMessage(server)).payload))
    expect(received.sort()).toEqual(Array.from({ length: 10 }, (_, i) => `#${i}`).sort())
  })

  it('rejects a send with no destination on an endpoint without peer with ERR_NOT_CONNECTED', async () => {
    const client = await open({}, {})
    await expect(client.send(bytes('x'))).rejects.toMatchObject({ code: 'ERR_NOT_CONNECTED' })
    const bound = await receiver()
    await expect(bound.send(bytes('x'))).rejects.toMatchObject({ code: 'ERR_NOT_CONNECTED' })
  })

  it('rejects a destination of the other IP family with ERR_INVALID_ADDRESS', async () => {
    const bound = await receiver()
    await expect(bound.send(bytes('x'), { address: '::1', port: 9 })).rejects.toMatchObject({
      code: 'ERR_INVALID_ADDRESS',
    })
    await expect(bound.send(bytes('x'), { address: '300.1.1.1', port: 9 })).rejects.toMatchObject({
      code: 'ERR_INVALID_ADDRESS',
    })
    await expect(bound.send(bytes('x'), { address: '127.0.0.1', port: 0 })).rejects.toMatchObject({
      code: 'ERR_INVALID_ADDRESS',
    })
  })
})

describe('udp: peer', () => {
  it('connects to a peer given by host name and sends there', async () => {
    const server = await receiver()
    const client = await open({ type: 'udp4' }, { peer: { address: 'localhost', port: portOf(server) } })
    expect(client.remoteAddress).toEqual({ address: '127.0.0.1', port: portOf(server), family: 'IPv4' })
    await client.send(bytes('by name'), { address: 'localhost', port: portOf(server) })
    expect(new TextDecoder().decode((await nextMessage(server)).payload)).toBe('by name')
  })

  it('refuses to send elsewhere than its peer with ERR_INVALID_ARGUMENT', async () => {
    const server = await receiver()
    const client = await open({}, { peer: { address: '127.0.0.1', port: portOf(server) } })
    await expect(
      client.send(bytes('x'), { address: '127.0.0.1', port: portOf(server) + 1 }),
    ).rejects.toMatchObject({
      code: 'ERR_INVALID_ARGUMENT',
    })
  })

  it('raises ERR_PEER_UNREACHABLE after ICMP port unreachable on a connected socket, and keeps working', async () => {
    const closedPort = await freePort()
    const client = await open({}, { peer: { address: '127.0.0.1', port: closedPort } })
    const unreachable = new Promise<[SocketAddress, Error | undefined]>((resolve) =>
      client.once('disconnect', (peer, error) => resolve([peer, error])),
    )
    await client.send(bytes('anyone there?'))

    const [peer, error] = await unreachable
    expect(peer).toEqual({ address: '127.0.0.1', port: closedPort, family: 'IPv4' })
    expect(error).toMatchObject({ code: 'ERR_PEER_UNREACHABLE', port: closedPort })
    await expect(client.send(bytes('again'))).rejects.toMatchObject({
      code: 'ERR_PEER_UNREACHABLE',
      port: closedPort,
    })
    expect(client.closed).toBe(false)

    // The peer comes up on that port: the same endpoint reaches it.
    const server = await open({}, { bind: { host: '127.0.0.1', port: closedPort } })
    await client.send(bytes('now?'))
    expect(new TextDecoder().decode((await nextMessage(server)).payload)).toBe('now?')
  })
})

describe('udp: socket options', () => {
  it('applies recvBufferSize and sendBufferSize and reports what the OS set', async () => {
    const requested = 64 * 1024
    const endpoint = await receiver({ recvBufferSize: requested, sendBufferSize: requested })
    expect(endpoint.recvBufferSize).toBeGreaterThanOrEqual(requested)
    expect(endpoint.sendBufferSize).toBeGreaterThanOrEqual(requested)
    const lazy = await open({ recvBufferSize: requested }, {})
    expect(lazy.recvBufferSize).toBeUndefined()
  })

  it('sends to the loopback broadcast address only with broadcast: true (SO_BROADCAST)', async () => {
    const listener = await receiver({}, '127.255.255.255')
    const destination = { address: '127.255.255.255', port: portOf(listener) }

    const plain = await receiver()
    await expect(plain.send(bytes('no'), destination)).rejects.toMatchObject({
      code: 'ERR_PERMISSION_DENIED',
    })

    const broadcaster = await receiver({ broadcast: true })
    await broadcaster.send(bytes('to all'), destination)
    const message = await nextMessage(listener)
    expect(new TextDecoder().decode(message.payload)).toBe('to all')
    expect(message.from.port).toBe(portOf(broadcaster))
  })
})

describe('udp: maxQueuedMessages', () => {
  it('drops datagrams beyond the queue bound and counts them in `dropped`', async () => {
    const server = await receiver({ maxQueuedMessages: 5 })
    const client = await open({}, { peer: { address: '127.0.0.1', port: portOf(server) } })
    for (let i = 0; i < 20; i++) await client.send(bytes(`#${i}`))
    // Nobody reads yet: wait (bounded) until all 20 have been either queued or dropped.
    for (let i = 0; i < 100 && server.dropped < 15; i++)
      await new Promise((resolve) => setTimeout(resolve, 10))

    expect(server.dropped).toBe(15)
    const first = await nextMessage(server)
    expect(new TextDecoder().decode(first.payload)).toBe('#0')
  })
})

describe('udp: peers', () => {
  it('lists each sender heard from once and emits connect for each', async () => {
    const server = await receiver()
    const heard: SocketAddress[] = []
    server.on('connect', (peer) => heard.push(peer))
    const a = await open({}, { peer: { address: '127.0.0.1', port: portOf(server) } })
    const b = await open({}, { peer: { address: '127.0.0.1', port: portOf(server) } })
    await a.send(bytes('a1'))
    await b.send(bytes('b1'))
    await a.send(bytes('a2'))
    for (let i = 0; i < 3; i++) await nextMessage(server)

    expect(heard).toEqual([a.localAddress, b.localAddress])
    expect(server.peers).toHaveLength(2)
    expect(server.peers).toEqual(expect.arrayContaining([a.localAddress, b.localAddress]))
  })
})
