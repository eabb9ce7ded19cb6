import type { ProtolabError, SocketAddress } from '@protolab/core'
import { Command, encodeSegments, type KcpEndpoint, kcp } from '@protolab/kcp'
import { afterEach, describe, expect, it } from 'vitest'
import { push, type RawPeer, rawPeer } from './helpers/raw-peer.js'

const opened: (KcpEndpoint | RawPeer)[] = []
afterEach(async () => {
  await Promise.allSettled(opened.splice(0).map((thing) => thing.close()))
})

async function listener(init: Parameters<typeof kcp>[0] = {}): Promise<KcpEndpoint> {
  const endpoint = await kcp({ closeTimeoutMs: 0, ...init }).open({
    bind: { host: '127.0.0.1', port: 0 },
    listen: true,
  })
  opened.push(endpoint)
  return endpoint
}

async function peer(): Promise<RawPeer> {
  const raw = await rawPeer()
  opened.push(raw)
  return raw
}

/** Resolves once `count` events `name` were emitted, with their arguments. */
function events(endpoint: KcpEndpoint, name: 'connect' | 'disconnect', count: number) {
  const seen: [SocketAddress, ProtolabError | undefined][] = []
  return new Promise<typeof seen>((resolve) => {
    const on = (peerAddress: SocketAddress, error?: ProtolabError) => {
      seen.push([peerAddress, error])
      if (seen.length === count) {
        endpoint.off(name, on)
        resolve(seen)
      }
    }
    endpoint.on(name, on)
  })
}

/** Sends `datagrams` and then one valid PUSH from a fresh peer, so the listener has read them all once the PUSH arrives. */
async function sendThenProbe(target: KcpEndpoint, raw: RawPeer, datagrams: Uint8Array[]): Promise<void> {
  const port = target.localAddress.port
  for (const datagram of datagrams) await raw.send(datagram, port)
  const marker = await peer()
  const arrived = new Promise<void>((resolve) => {
    const on = (from: SocketAddress) => {
      if (from.port !== marker.port) return
      target.off('connect', on)
      resolve()
    }
    target.on('connect', on)
  })
  await marker.sendSegments([push({ conv: 99 })], port)
  await arrived
}

describe('kcp: hostile input', () => {
  it('counts garbage and malformed datagrams as invalid (ERR_INVALID_PACKET), opens no session for them, and still serves a real peer', async () => {
    const server = await listener()
    const raw = await peer()
    const good = encodeSegments([push({ conv: 1 })])
    const wrongLength = good.slice()
    wrongLength[20] = 200 // len says 200, 3 follow
    const badCommand = good.slice()
    badCommand[4] = 7
    const trailing = new Uint8Array(good.length + 10)
    trailing.set(good)
    const datagrams = [
      new Uint8Array(0),
      new Uint8Array(1),
      new Uint8Array(23),
      Uint8Array.from({ length: 1500 }, (_, i) => (i * 151) & 0xff),
      wrongLength,
      badCommand,
      trailing,
      encodeSegments([{ ...push({ conv: 1 }), cmd: Command.ACK }]), // no data: opens nothing
    ]
    await sendThenProbe(server, raw, datagrams)

    expect(server.stats()).toMatchObject({ invalidDatagrams: datagrams.length, sessions: 1 })
    expect(server.lastRejection?.code).toBe('ERR_INVALID_PACKET')
    const client = await kcp().open({ peer: server.localAddress })
    opened.push(client)
    await client.send(new TextEncoder().encode('still here'))
    const reader = server[Symbol.asyncIterator]()
    const first = await reader.next() // the probe's PUSH
    const second = await reader.next()
    expect(Array.from(first.value?.payload ?? [])).toEqual([1, 2, 3])
    expect(new TextDecoder().decode(second.value?.payload)).toBe('still here')
  })

  it('ends a session whose peer sends a message of more fragments than the receive window, with ERR_INVALID_PACKET', async () => {
    const server = await listener({ rcvwnd: 16 })
    const raw = await peer()
    const ended = events(server, 'disconnect', 1)
    await raw.sendSegments([push({ conv: 5, frg: 16, sn: 0 })], server.localAddress.port)
    const [[who, error]] = (await ended) as [[SocketAddress, ProtolabError]]
    expect(who.port).toBe(raw.port)
    expect(error).toMatchObject({ code: 'ERR_INVALID_PACKET' })
    expect(String(error.message)).toContain('17 fragments')
    expect(server.stats().sessions).toBe(0)
  })

  it('keeps at most maxConnections sessions through a flood of new addresses and conv ids, refusing the rest (ERR_CONNECTION_LIMIT), and forgets idle ones', async () => {
    const max = 8
    const flood = 64
    const server = await listener({ maxConnections: max, idleTimeoutMs: 5_000 })
    const connected = events(server, 'connect', max)
    const forgotten = events(server, 'disconnect', max)
    const raws = await Promise.all(Array.from({ length: flood }, () => rawPeer()))
    opened.push(...raws)
    for (const [i, raw] of raws.entries()) {
      await raw.sendSegments([push({ conv: 1000 + i })], server.localAddress.port)
    }
    await connected
    // The first peer has a session: once it ACKs a datagram sent after the flood, the flood was read.
    const first = raws[0] as RawPeer
    const acked = first.next((s) => s.cmd === Command.ACK && s.sn === 1)
    await first.sendSegments([push({ conv: 1000, sn: 1 })], server.localAddress.port)
    await acked
    const stats = server.stats()
    expect(stats.sessions).toBeLessThanOrEqual(max)
    expect(stats.sessionsOpened).toBe(max)
    expect(stats.refusedConnections).toBeGreaterThanOrEqual(flood - max)
    expect(server.lastRejection?.code).toBe('ERR_CONNECTION_LIMIT')

    const gone = await forgotten
    expect(gone.every(([, error]) => error?.code === 'ERR_TIMEOUT')).toBe(true)
  })

  it('keeps one session per address through a flood of conv ids from it: a new conv replaces the session only from sn 0', async () => {
    const server = await listener()
    const raw = await peer()
    const port = server.localAddress.port
    const replaced = events(server, 'disconnect', 99)
    for (let conv = 1; conv <= 100; conv++) await raw.sendSegments([push({ conv, sn: 0 })], port)
    for (let conv = 101; conv <= 200; conv++) await raw.sendSegments([push({ conv, sn: 5 })], port)
    await sendThenProbe(server, raw, [])
    const gone = await replaced
    expect(gone.every(([, error]) => error?.code === 'ERR_PEER_RESET')).toBe(true)
    expect(server.stats()).toMatchObject({ sessions: 2, sessionsOpened: 101 })
    expect(server.convOf({ address: '127.0.0.1', port: raw.port })).toBe(100)
  })

  it('holds a peer that keeps sending to a reader that does not read to the window: a zero window, and no more queued', async () => {
    const server = await listener({ rcvwnd: 16, maxQueuedMessages: 8 })
    const raw = await peer()
    const port = server.localAddress.port
    const closed = raw.next((s) => s.cmd === Command.ACK && s.wnd === 0)
    for (let sn = 0; sn < 200; sn++) {
      await raw.sendSegments([push({ conv: 7, sn, una: 0, data: new Uint8Array(1000) })], port)
    }
    await closed
    // The datagrams after the last in-window one changed nothing: one more ACK of an old sn proves they were read.
    const last = raw.next((s) => s.cmd === Command.ACK && s.sn === 0)
    await raw.sendSegments([push({ conv: 7, sn: 0, data: new Uint8Array(1000) })], port)
    await last
    // Taking messages out of the receive queue while the reader is behind would reopen the window.
    expect(server.stats().queuedMessages).toBe(8)
  })

  it('probes a peer that advertises a zero window (WASK), and ends the session with ERR_TIMEOUT when the window never opens', async () => {
    const raw = await peer()
    const client = await kcp({ idleTimeoutMs: 10_000, closeTimeoutMs: 0 }).open({
      peer: { address: '127.0.0.1', port: raw.port },
    })
    opened.push(client)
    const conv = client.convOf() as number
    const reading = (async () => {
      for await (const _ of client) {
        // nothing is sent to it
      }
    })()
    await client.send(new Uint8Array([1]))
    // ACK every data segment with a window of 0, until the client probes the window.
    let probe = await raw.next((s) => s.cmd === Command.PUSH || s.cmd === Command.WASK)
    let sends = 0
    while (probe.segment.cmd === Command.PUSH) {
      const { ts, sn } = probe.segment
      const next = raw.next((s) => s.cmd === Command.PUSH || s.cmd === Command.WASK)
      await raw.sendSegments(
        [{ conv, cmd: Command.ACK, frg: 0, wnd: 0, ts, sn, una: sn + 1, data: new Uint8Array(0) }],
        client.localAddress.port,
      )
      if (sends++ < 3) void client.send(new Uint8Array([2])).catch(() => undefined)
      probe = await next
    }
    expect(probe.segment.cmd).toBe(Command.WASK)
    expect(client.stats().probesSent).toBe(1)
    // The window is still 0: this send waits, and the session ends before it can go.
    const blocked = client.send(new Uint8Array([3])).then(
      () => undefined,
      (error: ProtolabError) => error,
    )
    await raw.sendSegments(
      [{ conv, cmd: Command.WINS, frg: 0, wnd: 0, ts: 0, sn: 0, una: 0, data: new Uint8Array(0) }],
      client.localAddress.port,
    )
    expect(await blocked).toMatchObject({ code: 'ERR_TIMEOUT' })
    await expect(reading).rejects.toMatchObject({ code: 'ERR_TIMEOUT' })
    expect(client.closed).toBe(true)
  }, 30_000)
})
