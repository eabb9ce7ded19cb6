import { createSocket, type Socket } from 'node:dgram'
import { createEnvelopeBuffer, isProtolabError, writeEnvelope } from '@protolab/core'
import type { UdpProxyStats } from '@protolab/udp'
import { afterEach, describe, expect, it } from 'vitest'
import { runLab } from '../src/runner/run.js'
import type { LabImpairment, LabRun } from '../src/runner/types.js'

/** The counts of a run that a seed fixes, whatever the timing. */
function counts(run: LabRun) {
  const { sent, delivered, lost, duplicates, reordered, maxReorderExtent, corrupted, foreign } = run
  return { sent, delivered, lost, duplicates, reordered, maxReorderExtent, corrupted, foreign }
}

const sockets: Socket[] = []
afterEach(async () => {
  for (const socket of sockets.splice(0)) await new Promise<void>((resolve) => socket.close(() => resolve()))
})

async function udpSocket(): Promise<Socket> {
  const socket = createSocket('udp4')
  sockets.push(socket)
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve))
  return socket
}

function sendTo(socket: Socket, bytes: Uint8Array, port: number): Promise<void> {
  return new Promise((resolve, reject) =>
    socket.send(bytes, port, '127.0.0.1', (error) => (error ? reject(error) : resolve())),
  )
}

describe('the lab over UDP, receiver and relay in their own processes', () => {
  it('measures seeded loss within statistical bounds, and repeats it exactly with the same seed', async () => {
    const count = 10_000
    const loss = 0.05
    const options = { transports: ['udp'] as const, count, rate: 10_000, seed: 7, impairment: { loss } }
    const first = (await runLab({ ...options, transports: ['udp'] })).runs[0]!
    const second = (await runLab({ ...options, transports: ['udp'] })).runs[0]!
    // Five standard deviations of a binomial count: fails by chance about once in 3.5 million seeds.
    const sigma = Math.sqrt(count * loss * (1 - loss))
    expect(Math.abs(first.lost - count * loss)).toBeLessThan(5 * sigma)
    expect(first.sent).toBe(count)
    expect(first.delivered + first.lost).toBe(count)
    expect(counts(second)).toEqual(counts(first))
    expect(first.impairment).toEqual({ loss })
    expect(first.seed).toBe(7)
  })

  it('counts injected duplicates and reorderings as such, never as loss', async () => {
    const report = await runLab({
      transports: ['udp'],
      count: 4000,
      rate: 10_000,
      seed: 3,
      impairment: { duplicate: 0.05, reorder: 0.05, reorderGap: 4 },
    })
    const run = report.runs[0]!
    const relay = report.relays?.[0] as UdpProxyStats
    expect(run.lost).toBe(0)
    expect(run.delivered).toBe(4000)
    expect(run.duplicates).toBe(relay.toServer.duplicated)
    expect(run.duplicates).toBeGreaterThan(0)
    // Each held datagram arrives after the 4 that passed it; holds can overlap, never exceed 4 apart.
    expect(run.reordered).toBe(relay.toServer.reordered)
    expect(run.maxReorderExtent).toBeGreaterThanOrEqual(4)
  })

  it('counts corrupted envelopes and foreign datagrams, and leaves them out of everything else', async () => {
    const foreign = await udpSocket()
    const midRunDatagrams = 50
    let midRun: Promise<void> | undefined
    let receiverPort = 0
    const report = await runLab(
      { transports: ['udp'], count: 3000, rate: 10_000, seed: 11, impairment: { corrupt: 0.02 } },
      {
        onListening: async ({ receiver }) => {
          receiverPort = receiver.port
          await sendTo(foreign, new TextEncoder().encode('hello, is this the lab?'), receiver.port)
          // An intact envelope of another session, and one with the lab's magic but a broken CRC.
          const other = createEnvelopeBuffer(16)
          writeEnvelope(other, { session: 1, seq: 0, sentAtNs: 1 }, 16)
          await sendTo(foreign, other, receiver.port)
          const broken = createEnvelopeBuffer(16)
          writeEnvelope(broken, { session: 1, seq: 5, sentAtNs: 1 }, 16)
          broken[40] = broken[40]! ^ 0xff
          await sendTo(foreign, broken, receiver.port)
        },
        onProgress: ({ sent }) => {
          // Garbage in the middle of the run, while the session's own messages arrive.
          if (midRun !== undefined || sent < 1000) return
          const garbage = new Uint8Array(100).fill(0x41)
          midRun = (async () => {
            for (let i = 0; i < midRunDatagrams; i++) await sendTo(foreign, garbage, receiverPort)
          })()
        },
      },
    )
    await midRun
    const run = report.runs[0]!
    const relay = report.relays?.[0] as UdpProxyStats
    expect(midRun).toBeDefined()
    expect(run.foreign).toBe(2 + midRunDatagrams)
    expect(run.corrupted).toBe(relay.toServer.corrupted + 1)
    expect(relay.toServer.corrupted).toBeGreaterThan(0)
    expect(run.delivered).toBe(3000 - relay.toServer.corrupted)
    expect(run.lost).toBe(relay.toServer.corrupted)
    expect(run.duplicates).toBe(0)
  })

  it('in blast mode loses datagrams in the receive buffer, and says how big it was', async () => {
    const report = await runLab({
      transports: ['udp', 'tcp'],
      count: 30_000,
      size: 256,
      recvBufferBytes: 4096,
    })
    const [udp, tcp] = report.runs
    expect(udp!.recvBufferBytes).toBeGreaterThanOrEqual(4096)
    expect(udp!.lost).toBeGreaterThan(0)
    expect(udp!.impairment).toBeNull()
    expect(tcp!.lost).toBe(0)
    expect(tcp!.recvBufferBytes).toBeUndefined()
  })

  it('reports a receiver that dies mid-run and never hangs', async () => {
    let receiverPid: number | undefined
    let killed = false
    const run = runLab(
      { transports: ['udp'], count: 200_000, rate: 10_000 },
      {
        onListening: (listening) => {
          receiverPid = listening.receiverPid
        },
        onProgress: (progress) => {
          if (!killed && progress.sent > 2000 && receiverPid !== undefined) {
            killed = true
            process.kill(receiverPid, 'SIGKILL')
          }
        },
      },
    )
    const error = await run.then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(killed).toBe(true)
    expect(isProtolabError(error, 'ERR_PEER_RESET')).toBe(true)
    expect((error as Error).message).toMatch(/lab receiver process \(pid \d+\) exited by SIGKILL/)
  })
})

describe('the lab over TCP through the relay', () => {
  const impairments: [string, LabImpairment][] = [
    ['delay and jitter', { delayMs: 5, jitterMs: 5 }],
    ['a rate limit', { rateLimitBytesPerSec: 2_000_000 }],
    ['slicing into 1-byte writes', { sliceBytes: 1 }],
    ['stalls', { stallMs: 50, stallEveryBytes: 20_000 }],
    ['modelled loss', { loss: 0.05, rtoMs: 20 }],
    [
      'everything at once',
      { delayMs: 2, jitterMs: 2, sliceBytes: 7, stallMs: 20, stallProbability: 0.01, loss: 0.01, rtoMs: 20 },
    ],
  ]
  it.each(impairments)('loses, duplicates and reorders nothing under %s', async (_, impairment) => {
    const count = impairment.sliceBytes === 1 ? 400 : 1500
    const run = (await runLab({ transports: ['tcp'], count, seed: 5, impairment })).runs[0]!
    expect(counts(run)).toEqual({
      sent: count,
      delivered: count,
      lost: 0,
      duplicates: 0,
      reordered: 0,
      maxReorderExtent: 0,
      corrupted: 0,
      foreign: 0,
    })
    expect(run.impairment).toEqual(impairment)
    if (impairment.loss !== undefined) expect(run.modelled).toMatch(/TCP loss is modelled/)
    else expect(run.modelled).toBeUndefined()
  })

  it('ends a run the relay resets, losing only what was in flight', async () => {
    // More messages than the run can send before the reset ends it (10 s at the rate), so the
    // reset ends it however late a loaded machine lets the relay forward the first 20,000 bytes.
    const count = 200_000
    const run = (
      await runLab({
        transports: ['tcp'],
        count,
        rate: 20_000,
        impairment: { resetAfterBytes: 20_000 },
      })
    ).runs[0]!
    expect(run.interrupted).toMatch(/reset the connection/)
    expect(run.sent).toBeLessThan(count)
    // 20,000 bytes are 200 frames of 100 bytes (4-byte length + 32-byte envelope + 64-byte payload).
    expect(run.delivered).toBe(200)
    expect(run.lost).toBe(run.sent - 200)
    expect(run.duplicates + run.reordered + run.corrupted).toBe(0)
  })
})

describe('the workload', () => {
  it('stops sending at --duration and never sends faster than --rate', async () => {
    const run = (await runLab({ transports: ['udp'], rate: 2000, durationMs: 300, size: 200 })).runs[0]!
    expect(run.sent).toBeGreaterThan(0)
    // Message n is never sent before n / rate, and none after the duration: at most 600 + the first.
    expect(run.sent).toBeLessThanOrEqual(601)
    expect(run.delivered).toBe(run.sent)
    expect(run.bytesPerSec / run.messagesPerSec).toBeCloseTo(200)
  })
})

describe('round-trip mode', () => {
  it('echoes every message and measures the round trip, in process too', async () => {
    for (const inProcess of [false, true]) {
      const report = await runLab({
        transports: ['udp', 'tcp'],
        count: 500,
        rate: 5000,
        mode: 'rtt',
        inProcess,
      })
      for (const run of report.runs) {
        expect(run.mode).toBe('rtt')
        expect(run.delivered).toBe(500)
        expect(run.latencyMs.p50).toBeGreaterThan(0)
      }
    }
  })
})
