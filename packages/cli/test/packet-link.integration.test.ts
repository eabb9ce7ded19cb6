import { execFile, execFileSync } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { chmod, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterEach, describe, expect, it } from 'vitest'
import type { LabRun } from '../src/lab/types.js'
import { DEFAULT_LAB_PORT } from '../src/lab-remote/server.js'
import { findPacketLinkHosts } from '../src/packet-link/cleanup.js'
import type { FrameCounts } from '../src/packet-link/frame-relay.js'
import { type PacketLinkResult, type PacketLinkRunInit, runPacketLink } from '../src/packet-link/run.js'
import { packetLinkSupport, unshareArgs } from '../src/packet-link/support.js'
import { BIN, has, runProtolab, startProtolab, stopAll } from './helpers/processes.js'

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
    .filter((line) => /packet-link-host|INTERFACE:[ab]-out|protolab-packet-link-holder/.test(line))
    .filter((line) => !line.includes('ps -eo'))
}

/**
 * Waits until no packet link process is left (the kernel tears a PID namespace down right after its
 * PID 1 exits, a moment after the command that started it may have), checking 100 times at most.
 */
async function expectNothingLeft(): Promise<void> {
  for (let i = 0; i < 100 && leftovers().length > 0; i++) await sleep(100)
  expect(leftovers()).toEqual([])
}

/** The packet link's results directories in the temporary directory. */
function resultDirectories(): string[] {
  return readdirSync(tmpdir()).filter((name) => name.startsWith('protolab-packet-link-'))
}

/** The pid of the first process whose command line matches `pattern`. */
function pidOf(pattern: RegExp): number {
  const line = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' })
    .split('\n')
    .find((candidate) => pattern.test(candidate) && !candidate.includes('ps -eo'))
  if (line === undefined) throw new Error(`no process matches ${pattern}`)
  return Number(line.trim().split(/\s+/)[0])
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

/** Frames the impairer decided on: all but ARP and the control channel's. */
function impaired(counts: FrameCounts): number {
  return counts.frames - counts.unimpaired
}

function only(result: PacketLinkResult): LabRun {
  expect(result.runs).toHaveLength(1)
  return result.runs[0]!
}

afterEach(async () => {
  await stopAll()
})

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
      expect(leftovers()).toEqual([])
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

describe.skipIf(!canRun || !has('tcpdump'))('--capture on the packet link', { timeout: 120_000 }, () => {
  it("records the sender's packets, and layers --read tells the kernel's retransmissions", async () => {
    const directory = await mkdtemp(join(tmpdir(), 'protolab-packet-capture-'))
    try {
      const file = join(directory, 'lab.pcap')
      const lab = await runProtolab(
        [
          'lab',
          '--link',
          'packet',
          '-t',
          'tcp',
          '--count',
          '300',
          '--rate',
          '300',
          '--loss',
          '5%',
          '--seed',
          '4',
        ].concat(['--capture', file, '--json']),
        { timeoutMs: 90_000 },
      )
      expect(lab.code).toBe(0)
      const run = (JSON.parse(lab.stdout) as { runs: LabRun[] }).runs[0]!
      expect(run.retransmits).toBeGreaterThan(0)
      const layers = await runProtolab(['layers', '--read', file], { timeoutMs: 30_000 })
      expect(layers.code).toBe(0)
      const told = [...layers.stdout.matchAll(/retransmissions: (\d+):/g)].map((match) => Number(match[1]))
      expect(told).toEqual([run.retransmits])
    } finally {
      await rm(directory, { recursive: true, force: true })
    }
  })
})

describe.skipIf(!canRun)('the packet link leaves nothing behind', { timeout: 120_000 }, () => {
  /** A long TCP run over the packet link, once the link is up. */
  async function longRun() {
    const lab = startProtolab(['lab', '--link', 'packet', '-t', 'tcp', '--count', '1000000', '--rate', '500'])
    await lab.waitFor('stderr', /over the packet link/, 30_000)
    return lab
  }

  it('when the command is stopped with SIGTERM', async () => {
    const lab = await longRun()
    lab.kill('SIGTERM')
    const finished = await lab.finished(20_000)
    expect(finished.signal).toBeNull()
    await expectNothingLeft()
  })

  it('when a process inside it is killed: the run fails in one line', async () => {
    const lab = await longRun()
    process.kill(pidOf(/lab serve --bind 10\.77\.0\.2/), 'SIGKILL')
    const finished = await lab.finished(20_000)
    expect(finished.code).toBe(1)
    const complaint = finished.stderr.split('\n').filter((line) => line.startsWith('protolab: '))
    expect(complaint).toHaveLength(1)
    expect(complaint[0]).toMatch(/the lab server ended during the run/)
    await expectNothingLeft()
  })

  it('when a bridge is killed', async () => {
    const lab = await longRun()
    process.kill(pidOf(/INTERFACE:b-out/), 'SIGKILL')
    const finished = await lab.finished(20_000)
    expect(finished.code).toBe(1)
    expect(finished.stderr).toMatch(/protolab: .*the bridge on b-out \(socat\) ended during the run/)
    await expectNothingLeft()
  })

  it('when the command itself is killed with SIGKILL, its results directory included', async () => {
    const before = resultDirectories()
    const lab = await longRun()
    lab.kill('SIGKILL')
    await lab.finished(20_000)
    await expectNothingLeft()
    expect(resultDirectories().filter((name) => !before.includes(name))).toEqual([])
  })
})

/** True when `nobody` may make a user namespace here (root can let it try, with setpriv). */
function nobodyHasUserNamespaces(): boolean {
  if (process.getuid?.() !== 0 || !has('setpriv')) return false
  try {
    execFileSync('setpriv', [...AS_NOBODY, 'unshare', '--user', '--map-root-user', '--net', 'true'], {
      stdio: 'ignore',
    })
    return true
  } catch {
    return false
  }
}
const AS_NOBODY = ['--reuid=65534', '--regid=65534', '--clear-groups']
const rootless = canRun && nobodyHasUserNamespaces()
if (canRun && !rootless) {
  console.warn(
    'skipping the rootless packet link test: it needs root to become nobody, and user namespaces for nobody',
  )
}

describe.skipIf(!rootless)('the packet link without root', { timeout: 120_000 }, () => {
  it('runs as nobody inside a user namespace, impairs, and leaves nothing', async () => {
    // The build is readable by anyone (0755 directories), and results go to nobody's own temporary directory.
    const directory = await mkdtemp(join(tmpdir(), 'protolab-packet-rootless-'))
    try {
      await chmod(directory, 0o777)
      const result = await execFileText('setpriv', [
        ...AS_NOBODY,
        'env',
        `TMPDIR=${directory}`,
        `HOME=${directory}`,
        process.execPath,
        BIN,
        'lab',
        '--link',
        'packet',
        '-t',
        'both',
        '--count',
        '300',
        '--rate',
        '300',
        '--loss',
        '5%',
        '--seed',
        '2',
        '--json',
      ])
      const runs = (JSON.parse(result) as { runs: LabRun[] }).runs
      expect(runs.map((run) => run.transport)).toEqual(['udp', 'tcp'])
      for (const run of runs) expect(run.link).toBe('packet')
      const [udp, tcp] = runs
      expect(udp!.lost).toBe(udp!.packetLink!.forward.lost)
      expect(udp!.lost).toBeGreaterThan(0)
      expect(tcp!.lost).toBe(0)
      expect(tcp!.packetLink!.forward.lost + tcp!.packetLink!.backward.lost).toBeGreaterThan(0)
    } finally {
      await rm(directory, { recursive: true, force: true })
    }
    await expectNothingLeft()
  })
})

describe('where the packet link cannot run', () => {
  it('says why and which link works instead, in one line', () => {
    const off = packetLinkSupport({ platform: 'darwin' })
    expect(off.problem?.message).toBe(
      'the packet link cannot run here: it needs Linux network namespaces, and this is darwin; --link proxy works instead (a seeded relay, no privileges)',
    )
    expect(off.problem?.code).toBe('ERR_LINK_UNAVAILABLE')
    const bare = packetLinkSupport({ platform: 'linux', uid: 1000, path: '/nonexistent' })
    expect(bare.problem?.message).toMatch(
      /^the packet link cannot run here: unshare, nsenter, ip, ethtool, socat are not installed; --link proxy works instead/,
    )
  })
})

function execFileText(command: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { encoding: 'utf8', timeout: 120_000 }, (error, stdout, stderr) => {
      if (error === null) resolve(stdout)
      else reject(new Error(`${command} failed: ${stderr}`))
    })
  })
}

describe.skipIf(!canRun)('protolab lab cleanup and the packet link', { timeout: 60_000 }, () => {
  it('ends a packet link host that outlived its lab process, and with it its namespaces', async () => {
    // A host whose lab process is gone but whose stdin is still open (a writer that lingers): stuck.
    const writer = `${process.execPath} -e 'setInterval(()=>{},1e6)' protolab-stray-writer`
    const host = `unshare ${unshareArgs(support.mode!).join(' ')} ${process.execPath} ${BIN} lab packet-link-host`
    execFileSync('sh', ['-c', `${writer} 2>/dev/null </dev/null | ${host} >/dev/null 2>&1 &`], {
      stdio: 'ignore',
    })
    try {
      for (let i = 0; i < 100 && findPacketLinkHosts().length === 0; i++) await sleep(100)
      expect(findPacketLinkHosts()).toEqual([expect.objectContaining({ orphaned: true })])
      const cleanup = await runProtolab(['lab', 'cleanup'], { timeoutMs: 30_000 })
      expect(cleanup.code).toBe(0)
      expect(cleanup.stdout).toMatch(/^removed packet link \(host process \d+\)$/m)
      await expectNothingLeft()
    } finally {
      process.kill(pidOf(/protolab-stray-writer/), 'SIGKILL')
    }
  })
})
