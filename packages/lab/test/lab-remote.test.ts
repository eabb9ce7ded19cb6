import { type Endpoint, type Message, monotonicMs, TimeoutError } from '@protolab/core'
import { memoryTransport } from '@protolab/core/compliance'
import { afterEach, describe, expect, it } from 'vitest'
import { ControlChannel, type ControlLink } from '../src/remote/channel.js'
import { estimateOffset } from '../src/remote/clock.js'
import { RemoteLabRefusedError } from '../src/remote/errors.js'
import { encodeControlMessage, parseControlMessage, type SessionRequest } from '../src/remote/protocol.js'
import { encodeDataHello, isDataHello, SessionEndpoint, sameHost } from '../src/remote/session-endpoint.js'
import { renderTable } from '../src/report/table.js'
import type { LabRun } from '../src/runner/types.js'

const encoder = new TextEncoder()
const line = (value: unknown): Uint8Array => encoder.encode(JSON.stringify(value))

const SESSION: SessionRequest = {
  session: 0x1234abcd,
  transport: 'udp',
  count: 1000,
  size: 64,
  rate: 0,
  durationMs: null,
  mode: 'oneway',
  flows: ['forward'],
  trace: false,
  recvBufferBytes: null,
  quietMs: 500,
  clockOffsetMs: 0,
}

describe('control protocol messages', () => {
  it('round-trips every message through its line', () => {
    const messages = [
      { type: 'hello', protocol: 'protolab-lab', version: 1, software: 'protolab 0.1.0', bootId: null },
      { type: 'error', code: 'busy', message: 'busy' },
      { type: 'clock', t0: 1.5, t1: null },
      { type: 'session', ...SESSION },
      { type: 'ready', session: SESSION.session, ports: [40000, 40001] },
      { type: 'sent', flow: 1, sent: 1000 },
      { type: 'received', flow: 0, receiver: null },
      { type: 'started' },
      { type: 'started', intervalOriginNs: 123_456_789 },
      {
        type: 'interval',
        flow: 0,
        interval: {
          startMs: 0,
          endMs: 1000,
          sent: 0,
          delivered: 10,
          lost: 0,
          reordered: 0,
          bitsPerSec: 5120,
          p50Ms: 1,
          p99Ms: 2,
        },
      },
      { type: 'end', session: SESSION.session },
      { type: 'bye' },
    ] as const
    for (const message of messages)
      expect(parseControlMessage(encodeControlMessage(message))).toEqual(message)
  })

  it('refuses what is not JSON, not an object, or of no known type', () => {
    expect(() => parseControlMessage(encoder.encode('GET / HTTP/1.1'))).toThrow(/not JSON/)
    expect(() => parseControlMessage(line([1, 2]))).toThrow(/not an object/)
    expect(() => parseControlMessage(line({ type: 'launch' }))).toThrow(/unknown type "launch"/)
    expect(() => parseControlMessage(Uint8Array.of(0xff, 0xfe))).toThrow(/not JSON/)
  })

  it('checks every field of a session request: the server trusts nothing a client sends', () => {
    const bad: Partial<Record<keyof SessionRequest, unknown>>[] = [
      { session: 0 },
      { transport: 'sctp' },
      { count: 0 },
      { count: 2 ** 25 },
      { size: -1 },
      { size: 1.5 },
      { rate: -1 },
      { rate: Number.NaN },
      { durationMs: 0 },
      { mode: 'burst' },
      { flows: [] },
      { flows: ['forward', 'reverse', 'forward'] },
      { flows: Array.from({ length: 129 }, () => 'forward') },
      { flows: ['sideways'] },
      { trace: 'yes' },
      { recvBufferBytes: 0 },
      { quietMs: 10 ** 9 },
      { clockOffsetMs: 'now' },
      { intervalMs: 10 },
      { intervalMs: '1s' },
      { rates: [100, 200] },
      { rates: [-1] },
      { transports: ['udp', 'tcp'] },
      { transports: ['sctp'] },
    ]
    for (const change of bad) {
      expect(
        () => parseControlMessage(line({ type: 'session', ...SESSION, ...change })),
        JSON.stringify(change),
      ).toThrow()
    }
    expect(
      parseControlMessage(line({ type: 'session', ...SESSION, flows: ['forward', 'reverse'] })),
    ).toMatchObject({
      flows: ['forward', 'reverse'],
    })
    // Flows of several transports, each at its own rate: one transport and one rate per flow.
    expect(
      parseControlMessage(
        line({
          type: 'session',
          ...SESSION,
          flows: ['forward', 'forward'],
          transports: ['udp', 'tcp'],
          rates: [2000, 0],
        }),
      ),
    ).toMatchObject({ transports: ['udp', 'tcp'], rates: [2000, 0] })
    // An older client sends no intervalMs; null asks for none.
    expect(parseControlMessage(line({ type: 'session', ...SESSION, intervalMs: null }))).toMatchObject({
      intervalMs: null,
    })
    // liveIntervals: absent from an older client (the server then sends no interval messages).
    expect(() =>
      parseControlMessage(line({ type: 'session', ...SESSION, intervalMs: 1000, liveIntervals: 'yes' })),
    ).toThrow(/liveIntervals/)
  })

  it('checks interval messages and the interval origin of started', () => {
    expect(() => parseControlMessage(line({ type: 'interval', flow: 0 }))).toThrow(/interval/)
    expect(() => parseControlMessage(line({ type: 'interval', flow: -1, interval: {} }))).toThrow(/flow/)
    expect(() => parseControlMessage(line({ type: 'started', intervalOriginNs: 'soon' }))).toThrow(
      /intervalOriginNs/,
    )
  })
})

describe('clock offset', () => {
  it("takes the sample with the shortest round trip, with the server's time assumed halfway", () => {
    const samples = [
      { t0: 0, t1: 1_000_010, t2: 40 },
      { t0: 100, t1: 1_000_104, t2: 104 },
      { t0: 200, t1: 1_000_230, t2: 220 },
    ]
    expect(estimateOffset(samples)).toEqual({ offsetMs: 1_000_002, rttMs: 4 })
  })
})

/** Two control channels wired to each other in memory, as two ends of one connection. */
function channelPair(): [ControlChannel, ControlChannel] {
  let a: ControlChannel | undefined
  let b: ControlChannel | undefined
  const link = (to: () => ControlChannel | undefined): ControlLink => ({
    send: async (bytes) => {
      to()?.deliver(bytes)
    },
    close: async () => {
      to()?.end()
    },
  })
  a = new ControlChannel(
    link(() => b),
    { peerName: 'the server' },
  )
  b = new ControlChannel(
    link(() => a),
    { peerName: 'the client' },
  )
  return [a, b]
}

describe('control channel', () => {
  it('hands each waiter the message of its type and flow, whichever arrived first', async () => {
    const [client, server] = channelPair()
    await server.send({ type: 'sent', flow: 1, sent: 5 })
    const flow0 = client.next('sent', { flow: 0 })
    await server.send({ type: 'sent', flow: 0, sent: 7 })
    expect((await flow0).sent).toBe(7)
    expect((await client.next('sent', { flow: 1 })).sent).toBe(5)
  })

  it("rejects every wait with the peer's error, naming its reason", async () => {
    const [client, server] = channelPair()
    const waiting = client.next('hello')
    await server.send({ type: 'error', code: 'busy', message: 'the lab server is busy with another session' })
    const error = await waiting.catch((reason: unknown) => reason)
    expect(error).toBeInstanceOf(RemoteLabRefusedError)
    expect((error as RemoteLabRefusedError).message).toBe('the lab server is busy with another session')
    expect((error as RemoteLabRefusedError).code).toBe('ERR_REFUSED')
    expect((error as RemoteLabRefusedError).refusal).toBe('busy')
    await expect(client.next('ready')).rejects.toBe(error)
    expect(client.failed.aborted).toBe(true)
  })

  it('times out a wait, and ends on a line that breaks the protocol', async () => {
    const [client] = channelPair()
    await expect(client.next('ready', { timeoutMs: 10 })).rejects.toBeInstanceOf(TimeoutError)
    client.deliver(encoder.encode('{"type":"ready"}'))
    await expect(client.next('ready')).rejects.toThrow(/ready message needs session/)
  })

  it('hands a subscribed type to its handler as it arrives, until unsubscribed', async () => {
    const [client, server] = channelPair()
    const seen: number[] = []
    const unsubscribe = client.subscribe('sent', (message) => seen.push(message.sent))
    await server.send({ type: 'sent', flow: 0, sent: 1 })
    await server.send({ type: 'sent', flow: 1, sent: 2 })
    await server.send({ type: 'bye' })
    await client.next('bye')
    expect(seen).toEqual([1, 2])
    unsubscribe()
    await server.send({ type: 'sent', flow: 0, sent: 3 })
    expect((await client.next('sent')).sent).toBe(3)
    expect(seen).toEqual([1, 2])
  })

  it('answers ping with pong by itself', async () => {
    const [client, server] = channelPair()
    await server.send({ type: 'ping' })
    // The pong was consumed by the server's channel, not queued: the next message is what follows it.
    await client.send({ type: 'bye' })
    expect((await server.next(['bye', 'pong'])).type).toBe('bye')
  })
})

describe('data hello', () => {
  it('is recognised for its own session only', () => {
    const hello = encodeDataHello(0xdeadbeef)
    expect(hello).toHaveLength(8)
    expect(isDataHello(hello, 0xdeadbeef)).toBe(true)
    expect(isDataHello(hello, 0xdeadbeee)).toBe(false)
    expect(isDataHello(hello.subarray(0, 7), 0xdeadbeef)).toBe(false)
  })

  it('treats an IPv4-mapped IPv6 address as the IPv4 host', () => {
    expect(sameHost('::ffff:10.0.0.1', '10.0.0.1')).toBe(true)
    expect(sameHost('10.0.0.1', '10.0.0.2')).toBe(false)
  })
})

describe('session endpoint', () => {
  const open: Endpoint[] = []
  afterEach(async () => {
    await Promise.all(open.splice(0).map((endpoint) => endpoint.close()))
  })
  const bind = async (host: string): Promise<Endpoint> => {
    const endpoint = await memoryTransport().open({ bind: { host, port: 0 } })
    open.push(endpoint)
    return endpoint
  }

  it('refuses other hosts, learns the peer from its hello, and shifts arrival times', async () => {
    const server = await bind('127.0.0.1')
    const client = await bind('127.0.0.1')
    const stranger = await bind('127.0.0.2')
    const session = new SessionEndpoint(server, { session: 7, peerHost: '127.0.0.1', clockShiftMs: -1000 })
    const to = server.localAddress!
    const before = monotonicMs()
    await stranger.send(encoder.encode('not yours'), to)
    await client.send(encodeDataHello(7), to)
    await client.send(encoder.encode('data'), to)
    const reader = session[Symbol.asyncIterator]()
    const first = (await reader.next()).value as Message
    expect(new TextDecoder().decode(first.payload)).toBe('data')
    // Arrival times move by the shift: here 1000 ms earlier.
    expect(first.receivedAt).toBeGreaterThanOrEqual(before - 1000)
    expect(first.receivedAt).toBeLessThanOrEqual(monotonicMs() - 1000)
    expect(session.refused).toBe(1)
    expect(await session.learned).toEqual(client.localAddress)
    // Without `to`, a send goes to the learned peer.
    await session.send(encoder.encode('back'))
    const back = (await client[Symbol.asyncIterator]().next()).value as Message
    expect(new TextDecoder().decode(back.payload)).toBe('back')
  })
})

describe('the table of remote runs', () => {
  const run = (overrides: Partial<LabRun>): LabRun => ({
    transport: 'tcp',
    mode: 'oneway',
    sent: 100,
    delivered: 100,
    lost: 0,
    duplicates: 0,
    reordered: 0,
    maxReorderExtent: 0,
    corrupted: 0,
    foreign: 0,
    latencyMs: {
      min: 0.5,
      mean: 1,
      stddev: 1,
      p25: 0.9,
      p50: 1,
      p75: 1.5,
      p90: 2,
      p99: 3,
      p999: 4,
      p9999: 4.5,
      max: 5,
    },
    jitterMs: 0.1,
    messagesPerSec: 1000,
    bytesPerSec: 64_000,
    bitsPerSec: 512000,
    durationMs: 100,
    stalls: 0,
    impairment: null,
    seed: 0,
    link: 'remote',
    direction: 'forward',
    ...overrides,
  })

  it("marks the direction when both went at once and shows TCP's kernel numbers", () => {
    const text = renderTable(
      [
        run({ retransmits: 23, rttMs: 4.66, cwnd: 145 }),
        run({ direction: 'reverse', retransmits: 0, rttMs: 0.5, cwnd: 10 }),
        run({ transport: 'udp' }),
      ],
      { notes: ['kernel link: two namespaces'] },
    )
    const lines = text.split('\n')
    expect(lines[0]).toMatch(/tcp →\s+tcp ←\s+udp →$/)
    expect(lines.find((l) => l.startsWith('tcp retransmits'))).toMatch(/tcp retransmits\s+23\s+0\s+-$/)
    expect(lines.find((l) => l.startsWith('tcp smoothed rtt'))).toMatch(/4\.66 ms\s+0\.500 ms\s+-$/)
    expect(lines.find((l) => l.startsWith('tcp cwnd'))).toMatch(/145 segments\s+10 segments\s+-$/)
    expect(text).toContain('→ from this host to the server, ← from the server to this host, both at once')
    expect(text).toContain('kernel link: two namespaces')
    // The network as it is: no impairment or seed to speak of.
    expect(text).not.toContain('impairment')
  })

  it('has no TCP rows when no run has the numbers, and no arrows one way', () => {
    const text = renderTable([run({ transport: 'udp' })])
    expect(text).not.toContain('retransmits')
    expect(text.split('\n')[0]?.trim()).toBe('udp')
  })
})
