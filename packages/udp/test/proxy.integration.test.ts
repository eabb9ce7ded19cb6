import { spawn, spawnSync } from 'node:child_process'
import dgram, { type RemoteInfo, type Socket } from 'node:dgram'
import {
  createEnvelopeBuffer,
  DatagramImpairer,
  type DatagramImpairment,
  ENVELOPE_HEADER_BYTES,
  nowNs,
  PortInUseError,
  ReceiverMetrics,
  readEnvelope,
  writeEnvelope,
} from '@protolab/core'
import { type UdpProxy, type UdpProxyInit, udpProxy } from '@protolab/udp'
import { afterEach, describe, expect, it } from 'vitest'

const SESSION = 0x5eed

function has(tool: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status === 0
}
const sockets: Socket[] = []
const proxies: UdpProxy[] = []

afterEach(async () => {
  await Promise.all(proxies.splice(0).map((proxy) => proxy.close()))
  await Promise.all(
    sockets.splice(0).map((socket) => new Promise<void>((resolve) => socket.close(() => resolve()))),
  )
})

async function bound(
  onMessage?: (payload: Buffer, from: RemoteInfo, socket: Socket) => void,
): Promise<Socket> {
  const socket = dgram.createSocket('udp4')
  sockets.push(socket)
  if (onMessage !== undefined) socket.on('message', (payload, from) => onMessage(payload, from, socket))
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()))
  socket.setRecvBufferSize(4 * 1024 * 1024)
  return socket
}

async function startProxy(init: Omit<UdpProxyInit, 'to'>, to: Socket): Promise<UdpProxy> {
  const proxy = udpProxy({
    ...init,
    to: { host: '127.0.0.1', port: to.address().port },
    socketBufferBytes: 4 * 1024 * 1024,
  })
  proxies.push(proxy)
  await proxy.listening
  return proxy
}

/** Polls (every event-loop turn, at most `limitMs`) until `done()`; false if it never became true. */
async function until(done: () => boolean, limitMs = 5000): Promise<boolean> {
  const deadline = performance.now() + limitMs
  while (!done()) {
    if (performance.now() > deadline) return false
    await new Promise((resolve) => setTimeout(resolve, 1))
  }
  return true
}

/**
 * Sends `count` lab envelopes through the proxy in batches, waiting for the proxy to have read each
 * batch so no datagram is lost in a socket buffer: only the impairment model loses any.
 */
async function sendLab(proxy: UdpProxy, count: number, from?: Socket): Promise<void> {
  const sender = from ?? (await bound())
  const buffer = createEnvelopeBuffer(32)
  const port = proxy.address!.port
  for (let seq = 0; seq < count; seq++) {
    const length = writeEnvelope(buffer, { session: SESSION, seq, sentAtNs: nowNs() }, 32)
    sender.send(buffer.slice(0, length), port, '127.0.0.1')
    if (seq % 50 === 49 || seq === count - 1) {
      expect(await until(() => proxy.stats().toServer.received === seq + 1)).toBe(true)
    }
  }
}

/** A receiver that accounts lab messages and remembers which sequence numbers arrived. */
async function labReceiver() {
  const metrics = new ReceiverMetrics({ expectedMessages: 4096 })
  const arrived = new Set<number>()
  let datagrams = 0
  const socket = await bound((payload) => {
    datagrams++
    const envelope = readEnvelope(payload, SESSION)
    metrics.record(envelope, nowNs())
    if (envelope.kind === 'ok') arrived.add(envelope.seq)
  })
  return { socket, metrics, arrived, datagrams: () => datagrams }
}

async function dropsOfRun(impairment: DatagramImpairment, seed: number, count: number): Promise<number[]> {
  const receiver = await labReceiver()
  const proxy = await startProxy({ impairment, seed }, receiver.socket)
  await sendLab(proxy, count)
  const expected = proxy.stats().toServer.forwarded
  expect(await until(() => receiver.datagrams() === expected)).toBe(true)
  const dropped: number[] = []
  for (let seq = 0; seq < count; seq++) if (!receiver.arrived.has(seq)) dropped.push(seq)
  return dropped
}

describe('udp proxy', () => {
  it('relays both ways, each reply to the client that asked', async () => {
    const server = await bound((payload, from, socket) =>
      socket.send(Buffer.from(`echo ${payload}`), from.port, from.address),
    )
    const proxy = await startProxy({}, server)
    expect(proxy.address).toMatchObject({ address: '127.0.0.1', family: 'IPv4' })
    const replies = new Map<string, string[]>()
    const clients = await Promise.all(
      ['a', 'b'].map((name) =>
        bound((payload) => replies.set(name, [...(replies.get(name) ?? []), String(payload)])),
      ),
    )
    for (let i = 0; i < 3; i++) {
      clients[0]!.send(`a${i}`, proxy.address!.port, '127.0.0.1')
      clients[1]!.send(`b${i}`, proxy.address!.port, '127.0.0.1')
    }
    expect(
      await until(() => (replies.get('a')?.length ?? 0) === 3 && (replies.get('b')?.length ?? 0) === 3),
    ).toBe(true)
    expect(replies.get('a')!.sort()).toEqual(['echo a0', 'echo a1', 'echo a2'])
    expect(replies.get('b')!.sort()).toEqual(['echo b0', 'echo b1', 'echo b2'])
    const stats = proxy.stats()
    expect(stats.clients).toBe(2)
    expect(stats.toServer).toMatchObject({ received: 6, forwarded: 6, dropped: 0, bytes: 12 })
    expect(stats.toClient).toMatchObject({ received: 6, forwarded: 6, bytes: 42 })
  })

  it('loses about 20% with loss 20%, exactly the datagrams the seeded model picks, the same in every run', async () => {
    const count = 2000
    const impairment: DatagramImpairment = { loss: 0.2 }
    const first = await dropsOfRun(impairment, 42, count)
    const sd = Math.sqrt(count * 0.2 * 0.8)
    expect(Math.abs(first.length - count * 0.2)).toBeLessThanOrEqual(5 * sd)
    const second = await dropsOfRun(impairment, 42, count)
    expect(second).toEqual(first)
    // The relay's first client uses decision stream 0 of the seed.
    const model = new DatagramImpairer({ impairment, seed: 42, stream: 0 })
    const predicted: number[] = []
    for (let seq = 0; seq < count; seq++)
      if (model.decide(ENVELOPE_HEADER_BYTES + 32, 0).drop) predicted.push(seq)
    expect(first).toEqual(predicted)
    const other = await dropsOfRun(impairment, 43, count)
    expect(other).not.toEqual(first)
  })

  it('duplicates and reorders without losing: the receiver counts them as such, never as loss', async () => {
    const receiver = await labReceiver()
    const proxy = await startProxy(
      { impairment: { duplicate: 0.1, reorder: 0.1, reorderGap: 3 }, seed: 7 },
      receiver.socket,
    )
    const count = 1000
    await sendLab(proxy, count)
    // Held datagrams go out within reorderMaxHoldMs (100 ms) even after the last one.
    expect(
      await until(
        () =>
          receiver.datagrams() === proxy.stats().toServer.forwarded && receiver.metrics.delivered === count,
      ),
    ).toBe(true)
    const stats = proxy.stats().toServer
    const result = receiver.metrics.result(count)
    expect(result.lost).toBe(0)
    expect(result.duplicates).toBe(stats.duplicated)
    expect(stats.duplicated).toBeGreaterThan(50)
    expect(stats.reordered).toBeGreaterThan(50)
    expect(result.reordered).toBeGreaterThan(0)
    expect(result.reordered).toBeLessThanOrEqual(stats.reordered)
    expect(result.maxReorderExtent).toBeGreaterThanOrEqual(3)
  })

  it('corrupts datagrams so that the receiver counts them corrupt, and delays without losing', async () => {
    const receiver = await labReceiver()
    const proxy = await startProxy(
      { impairment: { corrupt: 0.25, delayMs: 5, jitterMs: 5 }, seed: 3 },
      receiver.socket,
    )
    await sendLab(proxy, 400)
    expect(await until(() => receiver.datagrams() === 400)).toBe(true)
    const result = receiver.metrics.result(400)
    expect(result.corrupted).toBe(proxy.stats().toServer.corrupted)
    expect(result.corrupted).toBeGreaterThan(50)
    expect(result.delivered + result.corrupted).toBe(400)
    expect(result.foreign).toBe(0)
  })

  it('impairs replies too with direction both', async () => {
    const server = await bound((payload, from, socket) => socket.send(payload, from.port, from.address))
    const proxy = await startProxy({ impairment: { loss: 0.5 }, seed: 1, direction: 'both' }, server)
    let replies = 0
    const client = await bound(() => replies++)
    for (let i = 0; i < 200; i++) {
      client.send(`m${i}`, proxy.address!.port, '127.0.0.1')
      expect(await until(() => proxy.stats().toServer.received === i + 1)).toBe(true)
    }
    const settled = () => {
      const stats = proxy.stats()
      return stats.toClient.received === stats.toServer.forwarded && replies === stats.toClient.forwarded
    }
    expect(await until(settled)).toBe(true)
    const stats = proxy.stats()
    expect(stats.toServer.dropped).toBeGreaterThan(50)
    expect(stats.toClient.dropped).toBeGreaterThan(20)
    expect(replies).toBeLessThan(stats.toServer.forwarded)
  })

  it('refuses clients over maxClients and ignores datagrams to an upstream socket from anyone but the server', async () => {
    const server = await bound((payload, from, socket) => socket.send(payload, from.port, from.address))
    const proxy = await startProxy({ maxClients: 1 }, server)
    const first = await bound()
    const second = await bound()
    first.send('one', proxy.address!.port, '127.0.0.1')
    expect(await until(() => proxy.stats().clients === 1)).toBe(true)
    second.send('two', proxy.address!.port, '127.0.0.1')
    expect(await until(() => proxy.stats().refused === 1)).toBe(true)
    expect(proxy.stats().toServer.received).toBe(1)
  })

  it('reports a port in use as PortInUseError, and closes cleanly', async () => {
    const server = await bound()
    const taken = await bound()
    const proxy = udpProxy({
      listen: { port: taken.address().port },
      to: { host: '127.0.0.1', port: server.address().port },
    })
    proxies.push(proxy)
    await expect(proxy.listening).rejects.toBeInstanceOf(PortInUseError)
    const working = await startProxy({ impairment: { delayMs: 10_000 } }, server)
    const client = await bound()
    client.send('held for ten seconds', working.address!.port, '127.0.0.1')
    expect(await until(() => working.stats().toServer.received === 1)).toBe(true)
    // close() drops the delayed datagram and its timer: the test ends without waiting for it.
    await working.close()
    expect(working.stats().toServer.forwarded).toBe(0)
  })

  it.skipIf(!has('socat'))('relays between socat and a node socket', async () => {
    const server = await bound((payload, from, socket) =>
      socket.send(Buffer.from(String(payload).toUpperCase()), from.port, from.address),
    )
    const proxy = await startProxy({ impairment: { delayMs: 5 } }, server)
    const socat = spawn('socat', ['-t', '2', '-', `UDP:127.0.0.1:${proxy.address!.port}`], {
      stdio: ['pipe', 'pipe', 'inherit'],
    })
    let output = ''
    socat.stdout.on('data', (chunk: Buffer) => {
      output += String(chunk)
      if (output.includes('\n')) socat.kill()
    })
    socat.stdin.write('hello through the relay\n')
    const exited = new Promise((resolve) => socat.on('exit', resolve))
    const done = await until(() => output.includes('\n'), 5000)
    socat.kill()
    await exited
    expect(done).toBe(true)
    expect(output).toBe('HELLO THROUGH THE RELAY\n')
  })
})

if (!has('socat')) console.warn('udp proxy tests: socat is not installed; the interop test is skipped')
