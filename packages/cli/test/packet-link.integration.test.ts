import { execFile, execFileSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { chmod, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import {
  findPacketLinkHosts,
  type LabRun,
  packetLinkEntry,
  packetLinkSupport,
  unshareArgs,
} from '@protolab/lab'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
// One count of a packet link's leftovers for the lab's tests and these.
import { packetLinkLeftovers } from '../../lab/test/helpers/packet-link-leftovers.js'
import { readableProtolabBin, removeReadableCopy } from './helpers/as-nobody.js'
import { has, runProtolab, startProtolab, stopAll } from './helpers/processes.js'

/**
 * The packet link for real: the kernel's UDP and TCP between two network namespaces whose frames
 * cross the seeded impairer. They need Linux, ethtool and iproute2 (VXLAN in the kernel), and root or
 * unprivileged user namespaces (`.ci/run` runs as root and installs the tools); elsewhere they
 * are skipped, saying why.
 */
const support = packetLinkSupport()
if (support.problem !== undefined) console.warn(`skipping the packet link tests: ${support.problem.message}`)
const canRun = support.problem === undefined

/**
 * Waits until no packet link process is left (the kernel tears a PID namespace down right after its
 * PID 1 exits, a moment after the command that started it may have), checking 100 times at most.
 */
async function expectNothingLeft(): Promise<void> {
  for (let i = 0; i < 100 && packetLinkLeftovers().length > 0; i++) await sleep(100)
  expect(packetLinkLeftovers()).toEqual([])
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

afterEach(async () => {
  await stopAll()
})
afterAll(removeReadableCopy)

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

  it("records every flow of a shared bottleneck: each TCP flow's retransmissions are its kernel's", async () => {
    const directory = await mkdtemp(join(tmpdir(), 'protolab-packet-capture-'))
    try {
      const file = join(directory, 'flows.pcap')
      const lab = await runProtolab(
        ['lab', '--link', 'packet', '--flows', 'udp:1@8mbit,tcp:2', '--rate-limit', '10mbit'].concat([
          '--queue',
          '30',
          '--duration',
          '2s',
          '--size',
          '1200',
          '--capture',
          file,
          '--json',
        ]),
        { timeoutMs: 90_000 },
      )
      expect(lab.code).toBe(0)
      expect(lab.stderr).toContain(`capture: ${file}`)
      const flows = (JSON.parse(lab.stdout) as { runs: { flows: LabRun[] }[] }).runs[0]!.flows
      const retransmits = flows.filter((flow) => flow.transport === 'tcp').map((flow) => flow.retransmits!)
      expect(retransmits.reduce((sum, count) => sum + count, 0)).toBeGreaterThan(0)
      const layers = await runProtolab(['layers', '--read', file], { timeoutMs: 30_000 })
      expect(layers.code).toBe(0)
      const told = [...layers.stdout.matchAll(/retransmissions: (\d+):/g)].map((match) => Number(match[1]))
      const byCount = (a: number, b: number) => a - b
      expect(told.sort(byCount)).toEqual(retransmits.filter((count) => count > 0).sort(byCount))
    } finally {
      await rm(directory, { recursive: true, force: true })
    }
  })
})

describe.skipIf(!canRun)('lab -6 on the packet link', { timeout: 120_000 }, () => {
  it('runs the kernel UDP and TCP over IPv6 between the namespaces, impaired', async () => {
    const lab = await runProtolab(
      ['lab', '-6', '-t', 'both', '--count', '200', '--rate', '400', '--loss', '5%', '--seed', '2', '--json'],
      { timeoutMs: 90_000 },
    )
    expect(lab.code, lab.stderr).toBe(0)
    const runs = (JSON.parse(lab.stdout) as { runs: LabRun[] }).runs
    expect(runs.map((run) => [run.transport, run.link])).toEqual([
      ['udp', 'packet'],
      ['tcp', 'packet'],
    ])
    expect(runs[0]!.lost).toBeGreaterThan(0)
    expect(runs[1]!.lost).toBe(0)
    expect(runs[1]!.retransmits).toBeGreaterThan(0)
    const table = await runProtolab(['lab', '-6', '-t', 'udp', '--count', '20'], { timeoutMs: 90_000 })
    expect(table.stderr).toMatch(/over the packet link: fd77::1 ⇄ fd77::2/)
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
    process.kill(pidOf(/packet-link-host\.js serve 10\.77\.0\.2/), 'SIGKILL')
    const finished = await lab.finished(20_000)
    expect(finished.code).toBe(1)
    const complaint = finished.stderr.split('\n').filter((line) => line.startsWith('protolab: '))
    expect(complaint).toHaveLength(1)
    expect(complaint[0]).toMatch(/the lab server ended during the run/)
    await expectNothingLeft()
  })

  it('when the sending process inside it is killed', async () => {
    const lab = await longRun()
    process.kill(pidOf(/packet-link-host\.js run 10\.77\.0\.2/), 'SIGKILL')
    const finished = await lab.finished(20_000)
    expect(finished.code).toBe(1)
    expect(finished.stderr).toMatch(/^protolab: .*the lab client failed/m)
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
    // nobody runs a readable copy of the build (the clone may sit under a 0700 directory), and
    // results go to nobody's own temporary directory.
    const directory = await mkdtemp(join(tmpdir(), 'protolab-packet-rootless-'))
    try {
      await chmod(directory, 0o777)
      const result = await execFileText('setpriv', [
        ...AS_NOBODY,
        'env',
        `TMPDIR=${directory}`,
        `HOME=${directory}`,
        process.execPath,
        readableProtolabBin(),
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

function execFileText(command: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { encoding: 'utf8', timeout: 120_000 }, (error, stdout, stderr) => {
      if (error === null) resolve(stdout)
      else reject(new Error(`${command} failed: ${stderr}`))
    })
  })
}

/** The packet link hosts this test process started (`host <its pid>`), not another checkout's. */
function ourHosts(): ReturnType<typeof findPacketLinkHosts> {
  return findPacketLinkHosts().filter((host) => {
    try {
      const args = readFileSync(`/proc/${host.pid}/cmdline`, 'utf8').split('\0')
      return args[args.indexOf('host') + 1] === String(process.pid)
    } catch {
      return false
    }
  })
}

describe.skipIf(!canRun)('protolab lab cleanup and the packet link', { timeout: 60_000 }, () => {
  it('ends a packet link host that outlived its lab process, and with it its namespaces', async () => {
    // A host whose lab process is gone but whose stdin is still open (a writer that lingers): stuck.
    const writer = `${process.execPath} -e 'setInterval(()=>{},1e6)' protolab-stray-writer`
    const host = `unshare ${unshareArgs(support.mode!).join(' ')} ${process.execPath} ${packetLinkEntry()} host ${process.pid}`
    execFileSync('sh', ['-c', `${writer} 2>/dev/null </dev/null | ${host} >/dev/null 2>&1 &`], {
      stdio: 'ignore',
    })
    try {
      for (let i = 0; i < 100 && ourHosts().length === 0; i++) await sleep(100)
      expect(ourHosts()).toEqual([expect.objectContaining({ orphaned: true })])
      const cleanup = await runProtolab(['lab', 'cleanup'], { timeoutMs: 30_000 })
      expect(cleanup.code).toBe(0)
      expect(cleanup.stdout).toMatch(/^removed packet link \(host process \d+\)$/m)
      await expectNothingLeft()
    } finally {
      process.kill(pidOf(/protolab-stray-writer/), 'SIGKILL')
    }
  })
})
