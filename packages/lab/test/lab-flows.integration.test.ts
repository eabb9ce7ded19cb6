import { execFileSync } from 'node:child_process'
import { createSocket, type Socket } from 'node:dgram'
import { setImmediate as yieldToEventLoop } from 'node:timers/promises'
import { createEnvelopeBuffer, nowNs, parallelFlowPlan, parseFlowSpec, writeEnvelope } from '@protolab/core'
import type { TcpProxyStats } from '@protolab/tcp'
import type { UdpProxyStats } from '@protolab/udp'
import { afterEach, describe, expect, it } from 'vitest'
import { renderFlowTable } from '../src/report/flow-table.js'
import type { LabFlowsRun } from '../src/runner/flow-types.js'
import { FlowReceiver } from '../src/runner/flows/flow-receiver.js'
import { runFlows } from '../src/runner/flows/run-flows.js'

/** Whether `ss` (iproute2), which reads the kernel's TCP_INFO, is here. */
const HAS_SS = (() => {
  try {
    execFileSync('ss', ['-V'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
})()

const SUMMED = ['sent', 'delivered', 'lost', 'duplicates', 'reordered', 'corrupted'] as const

/** Every flow delivered all it sent, and the aggregate is the sum of the flows. */
function expectAllDelivered(run: LabFlowsRun, flows: number, countEach: number): void {
  expect(run.flows).toHaveLength(flows)
  expect(run.flows.map((flow) => flow.id)).toEqual(Array.from({ length: flows }, (_, i) => i + 1))
  for (const flow of run.flows) {
    expect({ id: flow.id, sent: flow.sent, delivered: flow.delivered, lost: flow.lost }).toEqual({
      id: flow.id,
      sent: countEach,
      delivered: countEach,
      lost: 0,
    })
    expect(flow.foreign).toBe(0)
  }
  for (const key of SUMMED) {
    expect(run.aggregate[key], key).toBe(run.flows.reduce((sum, flow) => sum + flow[key], 0))
  }
  expect(run.aggregate.flows).toBe(flows)
  expect(run.aggregate.sent).toBe(flows * countEach)
  expect(run.aggregate.foreign).toBe(0)
  const shares = run.flows.reduce((sum, flow) => sum + flow.share.ofDelivered, 0)
  expect(shares).toBeCloseTo(1, 9)
  expect(run.fairness.jainIndex).toBeGreaterThanOrEqual(1 / flows)
  expect(run.fairness.jainIndex).toBeLessThanOrEqual(1)
  expect(run.sharing.bottleneck).toBe(false)
}

describe('runFlows on the relay link, 127.0.0.1', () => {
  it('runs 4 UDP flows at once, each delivering everything in its own sequence space', async () => {
    const { run, relays } = await runFlows({
      plan: parallelFlowPlan('udp', 4, { messagesPerSec: 5000 }),
      count: 2000,
      seed: 1,
    })
    expectAllDelivered(run, 4, 2000)
    expect(run.transports).toEqual(['udp'])
    expect(run.impairment).toBeNull()
    expect(relays).toEqual({})
    expect(run.flows.every((flow) => flow.rate !== null && 'messagesPerSec' in flow.rate)).toBe(true)
    const table = renderFlowTable(run)
    expect(table).toMatch(/^4 udp\s/m)
    expect(table).toMatch(/^all\s+8,000\s+0\s/m)
  })

  it('runs 4 TCP flows at once, unpaced, each delivering everything', async () => {
    const { run } = await runFlows({ plan: parallelFlowPlan('tcp', 4), count: 5000, size: 256 })
    expectAllDelivered(run, 4, 5000)
    expect(run.flows.every((flow) => flow.rate === null && flow.reordered === 0)).toBe(true)
    expect(run.aggregate.payloadBytes).toBe(4 * 5000 * 256)
  })

  it.skipIf(!HAS_SS)(
    "gives each TCP flow its own connection's kernel numbers (needs ss, iproute2)",
    async () => {
      const { run } = await runFlows({ plan: parallelFlowPlan('tcp', 2), count: 500 })
      expectAllDelivered(run, 2, 500)
      for (const flow of run.flows) {
        expect(flow.cwnd).toBeGreaterThan(0)
        expect(flow.retransmits).toBeGreaterThanOrEqual(0)
      }
      expect(renderFlowTable(run)).toMatch(/\sretr$/m)
    },
  )

  it('carries every UDP flow through one relay, with its decisions per flow', async () => {
    const { run, relays } = await runFlows({
      plan: parallelFlowPlan('udp', 4, { messagesPerSec: 4000 }),
      count: 1000,
      impairment: { delayMs: 2 },
      seed: 3,
    })
    expectAllDelivered(run, 4, 1000)
    const relay = relays.udp as UdpProxyStats
    expect(relay.toServer.received).toBe(4000)
    expect(relay.toServer.forwarded).toBe(4000)
    expect(run.impairment).toEqual({ udp: { delayMs: 2 } })
  })

  it('carries every TCP flow through one relay: one connection each', async () => {
    const { run, relays } = await runFlows({
      plan: parallelFlowPlan('tcp', 4),
      count: 2000,
      impairment: { delayMs: 2 },
    })
    expectAllDelivered(run, 4, 2000)
    const relay = relays.tcp as TcpProxyStats
    expect(relay.accepted).toBe(4)
    // Each message is its 4-byte length, the 32-byte envelope and 64 bytes of payload.
    expect(relay.toServer.bytes).toBe(4 * 2000 * (4 + 32 + 64))
  })

  it('runs UDP and TCP flows together, each paced or not as its group says', async () => {
    const plan = parseFlowSpec('udp:2@2mbit,tcp:2', { transports: ['udp', 'tcp'] as const })
    const { run } = await runFlows({ plan, count: 1500 })
    expectAllDelivered(run, 4, 1500)
    expect(run.transports).toEqual(['udp', 'tcp'])
    expect(run.flows.map((flow) => flow.transport)).toEqual(['udp', 'udp', 'tcp', 'tcp'])
    expect(run.flows[0]!.rate).toEqual({ bitsPerSec: 2e6 })
    expect(run.flows[2]!.rate).toBeNull()
  })

  it('measures round trips per flow: each sender counts its own echoes', async () => {
    const { run } = await runFlows({
      plan: parseFlowSpec('udp:2@2000/s,tcp:2@2000/s', { transports: ['udp', 'tcp'] as const }),
      count: 500,
      mode: 'rtt',
    })
    expectAllDelivered(run, 4, 500)
    expect(run.mode).toBe('rtt')
  })

  it('refuses an aborted run and an empty plan', async () => {
    const aborted = AbortSignal.abort()
    await expect(
      runFlows({ plan: parallelFlowPlan('udp', 2), count: 10 }, { signal: aborted }),
    ).rejects.toThrow()
    await expect(runFlows({ plan: { flows: [] }, count: 10 })).rejects.toThrow('at least one flow')
  })
})

const sockets: Socket[] = []
afterEach(async () => {
  for (const socket of sockets.splice(0)) await new Promise<void>((resolve) => socket.close(() => resolve()))
})

describe('FlowReceiver', () => {
  it('counts each session apart on one socket, and what no flow claims as foreign or corrupt', async () => {
    const receiver = await FlowReceiver.start({
      transport: 'udp',
      host: '127.0.0.1',
      sessions: [11, 22],
      expectedMessages: 10,
      payloadBytes: 8,
      echo: false,
    })
    try {
      const socket = createSocket('udp4')
      sockets.push(socket)
      await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve))
      const send = (bytes: Uint8Array): Promise<void> =>
        new Promise((resolve, reject) =>
          socket.send(bytes, receiver.address.port, '127.0.0.1', (error) =>
            error ? reject(error) : resolve(),
          ),
        )
      const envelope = (session: number, seq: number): Uint8Array => {
        const buffer = createEnvelopeBuffer(8)
        writeEnvelope(buffer, { session, seq, sentAtNs: nowNs() }, 8)
        return buffer.slice()
      }
      for (let seq = 0; seq < 3; seq++) await send(envelope(11, seq))
      for (let seq = 0; seq < 5; seq++) await send(envelope(22, seq))
      await send(envelope(33, 0)) // another session: foreign
      await send(Uint8Array.from([1, 2, 3])) // not an envelope: foreign
      const damaged = envelope(11, 9)
      damaged[12] = (damaged[12] ?? 0) ^ 0xff // the session id itself, covered by the CRC: corrupt
      await send(damaged)
      // Wait for the 8 claimed messages (UDP on loopback with a deep buffer loses none).
      while (receiver.status().reduce((sum, status) => sum + status.arrivals, 0) < 8) await yieldToEventLoop()
      const outcome = await receiver.finish(false)
      expect(outcome.summaries.map((summary) => summary.delivered)).toEqual([3, 5])
      expect(outcome.summaries.map((summary) => summary.foreign)).toEqual([0, 0])
      expect(outcome.unclaimed).toEqual({ foreign: 2, corrupted: 1 })
    } finally {
      await receiver.close()
    }
  })

  it('refuses a repeated session', async () => {
    await expect(
      FlowReceiver.start({
        transport: 'udp',
        host: '127.0.0.1',
        sessions: [1, 1],
        expectedMessages: 1,
        payloadBytes: 0,
        echo: false,
      }),
    ).rejects.toThrow('one distinct session per flow')
  })
})
