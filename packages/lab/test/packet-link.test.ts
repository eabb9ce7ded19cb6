import { describe, expect, it } from 'vitest'
import type { FrameCounts } from '../src/links/packet/frame-relay.js'
import type { PacketWorkload } from '../src/links/packet/protocol.js'
import { type PacketLinkResult, type PacketLinkRunInit, runPacketLink } from '../src/links/packet/run.js'
import { packetLinkSupport } from '../src/links/packet/support.js'
import { DEFAULT_LAB_PORT } from '../src/remote/server.js'
import type { LabRun } from '../src/runner/types.js'
import { packetLinkLeftovers } from './helpers/packet-link-leftovers.js'

/**
 * The packet link for real: the kernel's UDP and TCP between two network namespaces whose frames
 * cross the seeded impairer. They need Linux, ethtool and iproute2 (VXLAN in the kernel), and root or
 * unprivileged user namespaces (`.ci/run` runs as root and installs the tools); elsewhere they
 * are skipped, saying why. The link runs the lab's built entry (`pnpm build` makes it).
 */
const support = packetLinkSupport()
if (support.problem !== undefined) console.warn(`skipping the packet link tests: ${support.problem.message}`)
const canRun = support.problem === undefined

/** A workload as `lab` flags would give it: `-t udp --count 300 --rate 200 --mode rtt --recv-buffer N`. */
function workloadOf(args: readonly string[]): PacketWorkload {
  const value = (flag: string): string | undefined => {
    const at = args.indexOf(flag)
    return at < 0 ? undefined : args[at + 1]
  }
  const recv = value('--recv-buffer')
  return {
    transport: value('-t') === 'tcp' ? 'tcp' : 'udp',
    count: Number(value('--count') ?? 10_000),
    size: 64,
    rate: Number(value('--rate') ?? 0),
    mode: value('--mode') === 'rtt' ? 'rtt' : 'oneway',
    trace: false,
    ...(recv === undefined ? {} : { recvBufferBytes: Number(recv) }),
  }
}

function run(args: string[], init: Partial<PacketLinkRunInit> = {}): Promise<PacketLinkResult> {
  return runPacketLink({
    impairment: {},
    seed: 1,
    workload: workloadOf(args),
    controlPort: DEFAULT_LAB_PORT,
    ...init,
  })
}

/** Frames the impairer decided on: all but ARP and the control channel's. */
function impaired(counts: FrameCounts): number {
  return counts.frames - counts.unimpaired
}

function only(result: PacketLinkResult): LabRun {
  expect(result.runs).toHaveLength(1)
  return result.runs[0]!
}

// Each run builds a link and starts two protolab processes in it: seconds, more on a busy machine.
describe.skipIf(!canRun)(
  'the packet link: kernel UDP and TCP through the seeded impairer',
  { timeout: 120_000 },
  () => {
    it('delays 10 ms each way: the round trip is 20-30 ms for UDP and for TCP, and nothing is left behind', async () => {
      for (const transport of ['udp', 'tcp']) {
        const result = await run(['-t', transport, '--count', '300', '--rate', '200', '--mode', 'rtt'], {
          impairment: { delayMs: 10 },
        })
        const lab = only(result)
        expect(lab.delivered).toBe(300)
        expect(lab.latencyMs.p50).toBeGreaterThanOrEqual(20)
        expect(lab.latencyMs.p50).toBeLessThanOrEqual(30)
        expect(result.counts.pathDrops).toBe(0)
        expect(result.counts.forward.frames).toBeGreaterThanOrEqual(300)
      }
      expect(packetLinkLeftovers()).toEqual([])
    })

    it('at 2% loss and 10 ms delay, TCP loses nothing, retransmits, and its one-way p50 stays under 50 ms', async () => {
      const result = await run(['-t', 'tcp', '--count', '1000', '--rate', '500'], {
        impairment: { loss: 0.02, delayMs: 10 },
        seed: 3,
      })
      const lab = only(result)
      expect(lab).toMatchObject({ sent: 1000, delivered: 1000, lost: 0 })
      expect(lab.retransmits).toBeGreaterThan(0)
      expect(result.counts.tcpKernel.RetransSegs).toBeGreaterThan(0)
      expect(result.counts.forward.lost + result.counts.backward.lost).toBeGreaterThan(0)
      expect(lab.latencyMs.p50).toBeLessThan(50)
    })

    it('at 10% loss paced at 2,000/s, UDP loses 10 ± 1.5 points, all of it by the impairment', async () => {
      const count = 2000
      const result = await run(
        ['-t', 'udp', '--count', String(count), '--rate', '2000', '--recv-buffer', String(4 * 1024 * 1024)],
        { impairment: { loss: 0.1 }, seed: 7 },
      )
      const lab = only(result)
      expect(Math.abs((lab.lost / count) * 100 - 10)).toBeLessThanOrEqual(1.5)
      // The impairment saw exactly the run's datagrams (ARP and the control channel pass beside it),
      // and its drops are the run's losses.
      expect(impaired(result.counts.forward)).toBe(count)
      expect(lab.lost).toBe(result.counts.forward.lost)
      expect(result.counts.pathDrops).toBe(0)
    })

    it("duplicates, reorders and corrupts UDP; corrupted datagrams die at the receiving kernel's checksum", async () => {
      const count = 2000
      const result = await run(
        ['-t', 'udp', '--count', String(count), '--rate', '2000', '--recv-buffer', String(4 * 1024 * 1024)],
        { impairment: { duplicate: 0.05, reorder: 0.05, corrupt: 0.05 }, seed: 11 },
      )
      const lab = only(result)
      const { forward } = result.counts
      expect(forward.duplicated).toBeGreaterThan(0)
      expect(forward.reordered).toBeGreaterThan(0)
      expect(forward.corrupted).toBeGreaterThan(0)
      expect(lab.duplicates).toBeGreaterThan(0)
      expect(lab.reordered).toBeGreaterThan(0)
      // UDP's checksum catches every flipped byte: the lab sees them lost, never corrupted.
      expect(lab.corrupted).toBe(0)
      expect(result.counts.udpChecksumErrors).toBeGreaterThanOrEqual(forward.corrupted)
      expect(lab.lost).toBe(forward.corrupted)
    })

    it("reordering and duplication make the kernel's TCP work: it detects reordering, retransmits, and reports duplicates", async () => {
      const reorder = await run(['-t', 'tcp', '--count', '1000', '--rate', '500'], {
        impairment: { reorder: 0.05 },
        seed: 5,
      })
      expect(only(reorder).lost).toBe(0)
      const work = reorder.counts.tcpKernel
      expect(work.RetransSegs + work.TCPSACKReorder + work.TCPTSReorder).toBeGreaterThan(0)
      const duplicate = await run(['-t', 'tcp', '--count', '1000', '--rate', '500'], {
        impairment: { duplicate: 0.05 },
        seed: 5,
      })
      expect(only(duplicate).lost).toBe(0)
      expect(duplicate.counts.forward.duplicated).toBeGreaterThan(0)
      expect(duplicate.counts.tcpKernel.TCPDSACKOldSent).toBeGreaterThan(0)
    })

    it('repeats a run: the same seed gives the same relay counts', async () => {
      const once = () =>
        run(['-t', 'udp', '--count', '1000', '--rate', '2000', '--recv-buffer', String(4 * 1024 * 1024)], {
          impairment: { loss: 0.05, lossModel: 'gilbert', duplicate: 0.02, reorder: 0.02, corrupt: 0.01 },
          seed: 42,
        })
      const first = await once()
      const second = await once()
      const decisions = ({ lost, duplicated, reordered, corrupted, queueDrops }: FrameCounts) => ({
        lost,
        duplicated,
        reordered,
        corrupted,
        queueDrops,
      })
      expect(impaired(second.counts.forward)).toBe(1000)
      expect(impaired(first.counts.forward)).toBe(1000)
      expect(decisions(second.counts.forward)).toEqual(decisions(first.counts.forward))
      expect(second.runs[0]!.lost).toBe(first.runs[0]!.lost)
    })

    it('over IPv6 too: 10 ms each way is a 20-30 ms round trip for UDP and TCP, loss falls on the data alone, a seed repeats it', async () => {
      for (const transport of ['udp', 'tcp']) {
        const result = await run(['-t', transport, '--count', '300', '--rate', '200', '--mode', 'rtt'], {
          impairment: { delayMs: 10 },
          family: 6,
        })
        const lab = only(result)
        expect(lab.delivered).toBe(300)
        expect(lab.latencyMs.p50).toBeGreaterThanOrEqual(20)
        expect(lab.latencyMs.p50).toBeLessThanOrEqual(30)
        expect(result.counts.pathDrops).toBe(0)
      }
      // Neighbour discovery and MLD pass untouched, as ARP does: the impairer decides on the
      // lab's 1,000 datagrams only, and the same seed makes the same decisions.
      const once = () =>
        run(['-t', 'udp', '--count', '1000', '--rate', '2000', '--recv-buffer', String(4 * 1024 * 1024)], {
          impairment: { loss: 0.1, duplicate: 0.03, reorder: 0.05, corrupt: 0.02 },
          seed: 7,
          family: 6,
        })
      const [first, second] = [await once(), await once()]
      for (const result of [first, second]) {
        expect(impaired(result.counts.forward)).toBe(1000)
        expect(result.counts.forward.unimpaired).toBeGreaterThan(0)
      }
      const decisions = ({ lost, duplicated, reordered, corrupted }: FrameCounts) => ({
        lost,
        duplicated,
        reordered,
        corrupted,
      })
      expect(decisions(second.counts.forward)).toEqual(decisions(first.counts.forward))
      // A corrupted datagram dies at the receiving kernel (its UDP checksum, in IPv6's own counter,
      // or its length check when the flip hit the length): every message the link dropped or
      // corrupted is lost, and no other.
      expect(first.counts.forward.corrupted).toBeGreaterThan(0)
      expect(first.counts.udpChecksumErrors).toBeGreaterThan(0)
      expect(first.runs[0]!.lost).toBe(first.counts.forward.lost + first.counts.forward.corrupted)
      expect(packetLinkLeftovers()).toEqual([])
    })

    it.skipIf(support.mode !== 'root')(
      'drops nothing of its own, unimpaired, at 10,000 packets/s',
      async () => {
        const count = 10_000
        const result = await run([
          '-t',
          'udp',
          '--count',
          String(count),
          '--rate',
          '10000',
          '--recv-buffer',
          String(4 * 1024 * 1024),
        ])
        const lab = only(result)
        expect(impaired(result.counts.forward)).toBe(count)
        expect(result.counts.pathDrops).toBe(0)
        expect(result.counts.socketDrops).toBe(0)
        expect(lab).toMatchObject({ sent: count, delivered: count, lost: 0 })
      },
    )
  },
)

describe('where the packet link cannot run', () => {
  it('says why and which link works instead, in one line', () => {
    const off = packetLinkSupport({ platform: 'darwin' })
    expect(off.problem?.message).toBe(
      'the packet link cannot run here: it needs Linux network namespaces, and this is darwin',
    )
    expect(off.problem).toMatchObject({ code: 'ERR_UNSUPPORTED', reason: 'packet-link-unavailable' })
    const bare = packetLinkSupport({ platform: 'linux', uid: 1000, path: '/nonexistent' })
    expect(bare.problem?.message).toMatch(
      /^the packet link cannot run here: unshare, nsenter, ip, ethtool are not installed$/,
    )
  })
})
