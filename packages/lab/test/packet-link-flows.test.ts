import { describe, expect, it } from 'vitest'
import { packetLinkSupport } from '../src/links/packet/support.js'
import { renderFlowTable } from '../src/report/flow-table.js'
import { runFlows } from '../src/runner/flows/run-flows.js'

/**
 * Many flows through one bottleneck on the packet link: the kernel's own UDP and TCP between two
 * namespaces, every packet through one seeded impairer whose rate limit has one drop-tail queue.
 * They need what the packet link needs (Linux, ethtool, iproute2, VXLAN; root or user
 * namespaces), and are skipped, saying why, elsewhere.
 */
const support = packetLinkSupport()
if (support.problem !== undefined)
  console.warn(`skipping the packet link flow tests: ${support.problem.message}`)

/** 20 Mbit/s, in bytes per second. */
const BOTTLENECK_BYTES_PER_SEC = 2_500_000
/** One message per frame: 1,400 B of payload stays below the veths' 1,500-byte MTU. */
const SIZE = 1400

describe.skipIf(support.problem !== undefined)(
  'flows on the packet link: one bottleneck queue for every flow',
  { timeout: 120_000 },
  () => {
    it('UDP at 30 Mbit/s crowds out TCP on a 20 Mbit/s link with a 100-packet queue, and its losses are the queue’s', async () => {
      const { run, packetLink } = await runFlows({
        plan: {
          flows: [
            { id: 1, transport: 'udp', rate: { bitsPerSec: 30e6 } },
            { id: 2, transport: 'tcp', rate: undefined },
          ],
        },
        link: 'packet',
        size: SIZE,
        durationMs: 5000,
        impairment: { rateLimitBytesPerSec: BOTTLENECK_BYTES_PER_SEC, queuePackets: 100 },
        seed: 1,
      })
      const [udp, tcp] = run.flows
      expect(run.link).toBe('packet')
      expect(run.sharing.bottleneck).toBe(true)
      expect(tcp!.share.ofDelivered).toBeLessThan(0.25)
      expect(udp!.lost).toBeGreaterThanOrEqual(0.25 * udp!.sent)
      // Every lost UDP message is placed, and most by far in the bottleneck's queue.
      const lostBy = udp!.lostBy!
      expect(
        lostBy.impairment + lostBy.linkQueue + lostBy.receiverBuffer + lostBy.sender + lostBy.unknown,
      ).toBe(udp!.lost)
      expect(lostBy.linkQueue).toBeGreaterThanOrEqual(0.9 * udp!.lost)
      expect(udp!.linkDrops!.queue).toBe(
        packetLink!.ports.find((port) => port.port === udp!.receiverPort)!.queueDrops,
      )
      // TCP loses no message: the queue's drops of its segments are the kernel's to send again.
      expect(tcp!.lost).toBe(0)
      expect(udp!.intervals?.length).toBeGreaterThanOrEqual(5)
      expect(tcp!.intervals?.length).toBeGreaterThanOrEqual(5)
      expect(tcp!.linkDrops!.queue).toBeGreaterThan(0)
      const table = renderFlowTable(run)
      expect(table).toMatch(/flow 1 udp: lost [\d,]+ \([\d.]+%\): [\d,]+ in the link's queue/)
      expect(table).toMatch(
        /flow 2 tcp: the link dropped [\d,]+ of its segments \([\d,]+ in the bottleneck queue/,
      )
    })

    it('four TCP flows alone share the bottleneck: Jain index at least 0.9, together at least 80% of it', async () => {
      const { run } = await runFlows({
        plan: {
          flows: [1, 2, 3, 4].map((id) => ({ id, transport: 'tcp' as const, rate: undefined })),
        },
        link: 'packet',
        size: SIZE,
        durationMs: 5000,
        impairment: { rateLimitBytesPerSec: BOTTLENECK_BYTES_PER_SEC, queuePackets: 100 },
        seed: 1,
      })
      expect(run.flows).toHaveLength(4)
      for (const flow of run.flows) {
        expect(flow.lost).toBe(0)
        // Every flow, not only the first, is cut into the link's 1 s intervals, each with its
        // kernel's cwnd: fairness compares what each delivered within the 5 s.
        expect(flow.intervals?.length, `flow ${flow.id}`).toBeGreaterThanOrEqual(5)
        for (const interval of flow.intervals!) expect(interval.cwnd).toBeGreaterThan(0)
      }
      expect(run.fairness.windowMs).toBe(5000)
      expect(run.fairness.bottleneckBitsPerSec).toBe(20e6)
      expect(run.fairness.jainIndex).toBeGreaterThanOrEqual(0.9)
      expect(run.fairness.utilisation).toBeGreaterThanOrEqual(0.8)
    })
  },
)
