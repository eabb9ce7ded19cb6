import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { type KcpEndpoint, kcp, PRESETS } from '@protolab/kcp'
import { canBindDatagram } from '@protolab/udp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildKcpGoPeers, goFlags, type KcpGoPeers, kcpGoMissing, startEchoServer } from './helpers/kcpgo.js'
import { messageOf, StreamChecker, sizeOf } from './helpers/pattern.js'

const run = promisify(execFile)
const missing = await kcpGoMissing()
if (missing !== undefined) console.warn(`kcp interop with kcp-go: skipped, ${missing}`)
const ipv6 = await canBindDatagram('::1')

/** The preset both sides run, so neither waits on the other's slower timer. */
const PRESET = 'fast' as const
const WINDOW = 128
const MSS = 1400 - 24
const FLAGS = goFlags(PRESETS[PRESET], WINDOW)

/** Each host, with how many messages go each way: the full 10,000 on IPv4, a tenth on IPv6. */
const RUNS = [{ host: '127.0.0.1', count: 10_000 }, ...(ipv6 ? [{ host: '::1', count: 1_000 }] : [])]

function totalBytes(count: number): number {
  let total = 0
  for (let i = 0; i < count; i++) total += sizeOf(i)
  return total
}

function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`
}

describe.skipIf(missing !== undefined)('kcp: wire interop with kcp-go (no FEC, no encryption)', () => {
  let peers: KcpGoPeers | undefined

  beforeAll(async () => {
    peers = await buildKcpGoPeers()
  }, 300_000)
  afterAll(() => peers?.remove())

  for (const { host, count } of RUNS) {
    it(`protolab dialer → kcp-go echo server on ${host}: ${count} messages of 1 B-64 KiB, each reassembled whole by kcp-go, every byte echoed`, async () => {
      const server = await startEchoServer(peers?.echoServer as string, host, [...FLAGS, '-verify'])
      let client: KcpEndpoint | undefined
      try {
        client = await kcp({ preset: PRESET, sndwnd: WINDOW, rcvwnd: WINDOW }).open({
          peer: { address: host, port: server.port },
        })
        const endpoint = client
        const checker = new StreamChecker(count)
        let largest = 0
        const reading = (async () => {
          for await (const m of endpoint) {
            largest = Math.max(largest, m.payload.length)
            checker.take(m.payload)
            if (checker.done) return
          }
        })()
        const serverDied = new Promise<never>((_, reject) => {
          server.process.once('exit', (code) =>
            reject(new Error(`echo-server exited (${code}): ${server.stderr()}`)),
          )
        })
        for (let i = 0; i < count; i++) await Promise.race([endpoint.send(messageOf(i)), serverDied])
        await Promise.race([reading, serverDied])

        expect(checker.checked).toBe(totalBytes(count))
        expect(server.stderr()).toBe('')
        // kcp-go's Write cuts its echo into messages of at most mss bytes.
        expect(largest).toBeLessThanOrEqual(MSS)
        expect(endpoint.stats().sessionsOpened).toBe(1)
      } finally {
        await client?.close()
        await server.stop()
      }
    }, 180_000)

    it(`kcp-go dialer → protolab listener on ${host}: ${count} messages of 1 B-64 KiB, every byte checked on both sides`, async () => {
      const listener = await kcp({ preset: PRESET, sndwnd: WINDOW, rcvwnd: WINDOW }).open({
        bind: { host, port: 0 },
        listen: true,
      })
      try {
        const checker = new StreamChecker(count)
        const echoing = (async () => {
          for await (const m of listener) {
            checker.take(m.payload)
            await listener.send(m.payload, m.from)
            if (checker.done) return
          }
        })()
        const { stdout } = await run(
          peers?.client as string,
          ['-connect', hostPort(host, listener.localAddress.port), '-count', String(count), ...FLAGS],
          { timeout: 150_000 },
        )
        await echoing
        const result = JSON.parse(stdout) as { messages: number; bytes: number }

        expect(result).toMatchObject({ messages: count, bytes: totalBytes(count) })
        expect(checker.checked).toBe(totalBytes(count))
        expect(listener.stats()).toMatchObject({
          sessionsOpened: 1,
          invalidDatagrams: 0,
          refusedConnections: 0,
        })
      } finally {
        await listener.close()
      }
    }, 180_000)
  }
})
