import { execFileSync } from 'node:child_process'
import { afterEach, describe, expect, it } from 'vitest'
import type { LabRun } from '../src/lab/types.js'
import { DEFAULT_LAB_PORT } from '../src/lab-remote/server.js'
import { type PacketLinkResult, type PacketLinkRunInit, runPacketLink } from '../src/packet-link/run.js'
import { packetLinkSupport } from '../src/packet-link/support.js'
import { BIN, stopAll } from './helpers/processes.js'

/**
 * The packet link for real: the kernel's UDP and TCP between two network namespaces whose frames
 * cross the seeded impairer. They need Linux, socat, ethtool and iproute2, and root or
 * unprivileged user namespaces (`.ci/run` runs as root and installs the tools); elsewhere they
 * are skipped, saying why.
 */
const support = packetLinkSupport()
if (support.problem !== undefined) console.warn(`skipping the packet link tests: ${support.problem.message}`)
const canRun = support.problem === undefined

/** Processes a packet link starts; none may be left once a run is over. */
function leftovers(): string[] {
  const table = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' })
  return table
    .split('\n')
    .filter((line) => /packet-link-host|INTERFACE:[ab]-out|sleep infinity/.test(line))
    .filter((line) => !line.includes('ps -eo'))
}

function run(workload: string[], init: Partial<PacketLinkRunInit> = {}): Promise<PacketLinkResult> {
  return runPacketLink(
    {
      impairment: {},
      seed: 1,
      runArgs: workload,
      controlPort: DEFAULT_LAB_PORT,
      ...init,
    },
    { protolab: [process.execPath, BIN] },
  )
}

function only(result: PacketLinkResult): LabRun {
  expect(result.runs).toHaveLength(1)
  return result.runs[0]!
}

afterEach(async () => {
  await stopAll()
})

describe.skipIf(!canRun)('the packet link: kernel UDP and TCP through the seeded impairer', () => {
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
    expect(leftovers()).toEqual([])
  })
})
