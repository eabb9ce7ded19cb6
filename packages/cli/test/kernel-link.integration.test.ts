import { existsSync } from 'node:fs'
import { mkdtemp, rm, symlink } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import type { LabInterval } from '@protolab/core'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { listNamespaces } from '../../lab/src/links/kernel/cleanup.js'
import { runTool } from '../../lab/src/links/kernel/exec.js'
import { kernelImpairmentOf } from '../../lab/src/links/kernel/impairment.js'
import { KernelLink, removeNamespaces } from '../../lab/src/links/kernel/link.js'
import { hasNetem } from '../../lab/src/links/kernel/netem.js'
import { runKernelLink } from '../../lab/src/links/kernel/run.js'
import { DEFAULT_LAB_PORT } from '../../lab/src/remote/server.js'
import type { LabRun } from '../../lab/src/runner/types.js'
import { cannotRunAsNobody, removeReadableCopy, startProtolabAsNobody } from './helpers/as-nobody.js'
import {
  BIN,
  type Finished,
  has,
  type Running,
  runProtolab,
  start,
  startProtolab,
  stopAll,
} from './helpers/processes.js'

/**
 * The kernel link for real: network namespaces, a veth pair, nftables loss. These tests need Linux,
 * root, iproute2 and nftables (`.ci/run` runs as root and installs them); elsewhere they are
 * skipped, saying why.
 */
const asNobodyProblem = cannotRunAsNobody()
if (asNobodyProblem !== undefined) console.warn(`skipping the tests run as nobody: ${asNobodyProblem}`)
const isRoot = process.platform === 'linux' && process.getuid?.() === 0
const tools = isRoot && has('ip') && has('tc') && has('nft')
if (!isRoot) console.warn('skipping the kernel link tests: they need Linux and root')
const canRun = isRoot && tools

/** Namespaces of this test process (`plab-<pid>-...`). */
async function ourNamespaces(pid = process.pid): Promise<string[]> {
  return (await listNamespaces()).filter((name) => name.startsWith(`plab-${pid}-`))
}

/** nftables tables and devices named plab* in the host's namespace (a run never makes any there). */
async function hostLeftovers(): Promise<string[]> {
  const tables = (await runTool('nft', ['list', 'tables'])).split('\n').filter((line) => /\splab/.test(line))
  const devices = (await runTool('ip', ['-o', 'link', 'show']))
    .split('\n')
    .filter((line) => /^\d+:\s+plab/.test(line))
  return [...tables, ...devices]
}

/** Five standard deviations of a binomial count: fails by chance about once in 3.5 million runs. */
function expectBinomial(lost: number, count: number, p: number): void {
  const sigma = Math.sqrt(count * p * (1 - p))
  expect(Math.abs(lost - count * p)).toBeLessThan(5 * sigma)
}

function byTransport(runs: readonly LabRun[], transport: 'udp' | 'tcp'): LabRun {
  const run = runs.find((candidate) => candidate.transport === transport)
  if (run === undefined) throw new Error(`no ${transport} run`)
  return run
}

afterEach(async () => {
  await stopAll()
})

afterAll(async () => {
  removeReadableCopy()
  if (canRun) await removeNamespaces(await ourNamespaces())
})

describe.skipIf(!canRun)('the kernel link: lab serve and lab run in two namespaces', () => {
  // Enough for a loss test with teeth (5σ is ±67 of 200), few enough that TCP's RTO stalls stay short.
  const count = 2000
  const loss = 0.1
  // Big enough to hold the whole run, so a receiver the machine's load holds up loses nothing in
  // its buffer: the only loss left is the kernel link's (the OS caps it at net.core.rmem_max).
  const recvBufferBytes = 4 * 1024 * 1024
  const rate = 5000

  it('with 10% loss, forward: UDP loses about 10%, TCP loses nothing and retransmits', async () => {
    const report = await runKernelLink({
      transports: ['udp', 'tcp'],
      count,
      rate,
      recvBufferBytes,
      impairment: { loss },
    })
    const udp = byTransport(report.runs, 'udp')
    const tcp = byTransport(report.runs, 'tcp')
    expect(udp).toMatchObject({ direction: 'forward', link: 'kernel', sent: count, impairment: { loss } })
    expect(udp.delivered + udp.lost).toBe(count)
    expectBinomial(udp.lost, count, loss)
    expect(tcp).toMatchObject({
      direction: 'forward',
      sent: count,
      delivered: count,
      lost: 0,
      duplicates: 0,
      reordered: 0,
    })
    expect(tcp.retransmits).toBeGreaterThan(0)
    expect(tcp.rttMs).toBeGreaterThan(0)
    expect(tcp.cwnd).toBeGreaterThan(0)
    expect(udp.retransmits).toBeUndefined()
    expect(await ourNamespaces()).toEqual([])
    expect(await hostLeftovers()).toEqual([])
  })

  it("--interval: TCP's intervals carry the sender's kernel retransmits and cwnd, and add up to the run", async () => {
    const seen: LabInterval[] = []
    const report = await runKernelLink(
      { transports: ['tcp'], count: 2000, rate: 2000, impairment: { loss: 0.05 }, intervalMs: 500 },
      {
        onInterval: (_, interval, direction) => {
          expect(direction).toBe('forward')
          seen.push(interval)
        },
      },
    )
    const tcp = byTransport(report.runs, 'tcp')
    expect(tcp).toMatchObject({ sent: 2000, delivered: 2000, lost: 0 })
    // Told as each closed, and in the run (the JSON); there the last may also take what came after
    // it when every interval was told before the run ended.
    const intervals = tcp.intervals ?? []
    expect(seen.map((interval) => interval.startMs)).toEqual(intervals.map((interval) => interval.startMs))
    expect(seen.length).toBeGreaterThanOrEqual(Math.max(1, Math.floor(tcp.durationMs / 500)))
    expect(seen.length).toBeLessThanOrEqual(Math.ceil(tcp.durationMs / 500) + 1)
    expect(intervals.reduce((sum, interval) => sum + interval.sent, 0)).toBe(tcp.sent)
    expect(intervals.reduce((sum, interval) => sum + interval.delivered, 0)).toBe(tcp.delivered)
    // Read as each interval's line arrived; only intervals that closed together at the very end
    // (the counting side's timer held up) share the last read, and the last one has it.
    expect(intervals.at(-1)?.retransmits).toBeGreaterThanOrEqual(0)
    for (const interval of intervals) {
      if (interval.retransmits !== undefined) expect(interval.cwnd).toBeGreaterThan(0)
    }
    expect(tcp.retransmits).toBeGreaterThan(0)
    expect(intervals.reduce((sum, interval) => sum + (interval.retransmits ?? 0), 0)).toBe(tcp.retransmits)
    expect(await ourNamespaces()).toEqual([])
  })

  it('with 10% loss, reverse: the server namespace sends, with the same result', async () => {
    const report = await runKernelLink({
      transports: ['udp', 'tcp'],
      count,
      rate,
      recvBufferBytes,
      impairment: { loss },
      direction: 'reverse',
    })
    const udp = byTransport(report.runs, 'udp')
    const tcp = byTransport(report.runs, 'tcp')
    expect(report.runs.map((run) => run.direction)).toEqual(['reverse', 'reverse'])
    expectBinomial(udp.lost, count, loss)
    expect(tcp).toMatchObject({ sent: count, delivered: count, lost: 0 })
    expect(tcp.retransmits).toBeGreaterThan(0)
    expect(await ourNamespaces()).toEqual([])
  })

  it.skipIf(!has('iptables'))('drops with iptables statistic where nft is missing', async () => {
    // A PATH where nft cannot be found: the kernel link falls back to iptables.
    const directory = await mkdtemp(join(tmpdir(), 'protolab-no-nft-'))
    try {
      for (const tool of ['ip', 'tc', 'iptables']) {
        const found = ['/usr/sbin', '/sbin', '/usr/bin', '/bin']
          .map((dir) => join(dir, tool))
          .find(existsSync)
        if (found !== undefined) await symlink(found, join(directory, tool))
      }
      let description = ''
      let lossTool: string | undefined
      const report = await runKernelLink(
        { transports: ['udp'], count, rate, recvBufferBytes, impairment: { loss } },
        {
          machine: { platform: 'linux', uid: 0, path: directory },
          onLink: (text, tool) => {
            description = text
            lossTool = tool
          },
        },
      )
      expect(description).toContain('loss 10% by iptables')
      expect(lossTool).toBe('iptables')
      expectBinomial(report.runs[0]?.lost ?? -1, count, loss)
    } finally {
      await rm(directory, { recursive: true, force: true })
    }
    expect(await ourNamespaces()).toEqual([])
  })

  it('shapes the rate with tc and keeps per-message traces', async () => {
    const report = await runKernelLink({
      transports: ['tcp'],
      count: 500,
      size: 1000,
      impairment: { rateLimitBytesPerSec: 2_000_000 },
      trace: true,
    })
    expect(report.runs[0]).toMatchObject({ delivered: 500, impairment: { rateLimitBytesPerSec: 2_000_000 } })
    expect(report.traces[0]?.count).toBe(500)
    expect(await ourNamespaces()).toEqual([])
  })

  it('says clearly when the kernel has no netem, or delays with it when it has', async () => {
    const probe = `plab-${process.pid}-probe-a`
    await runTool('ip', ['netns', 'add', probe])
    const netem = await hasNetem(probe).finally(() => runTool('ip', ['netns', 'del', probe]))
    const running = runKernelLink({
      transports: ['udp'],
      count: 200,
      rate: 2000,
      impairment: { delayMs: 20 },
    })
    if (netem) {
      const report = await running
      expect(report.runs[0]?.latencyMs.p50).toBeGreaterThanOrEqual(20)
    } else {
      await expect(running).rejects.toThrow(
        'this kernel has no netem (sch_netem), which --delay, --jitter, --reorder, --dup and --corrupt need on the kernel link',
      )
    }
    expect(await ourNamespaces()).toEqual([])
  })

  it('removes everything when the lab server is killed mid-run, and says so', async () => {
    let receiverNamespace: string | undefined
    const running = runKernelLink(
      { transports: ['tcp'], count: 200_000, rate: 20_000, impairment: { loss } },
      {
        onLink: (description) => {
          receiverNamespace = /⇄ (plab-\S+-b)/.exec(description)?.[1]
        },
        onProgress: () => {
          if (receiverNamespace === undefined) return
          const namespace = receiverNamespace
          receiverNamespace = undefined
          // Once messages flow, kill what runs in the receiver's namespace: the lab server.
          void runTool('ip', ['netns', 'pids', namespace]).then((pids) => {
            for (const pid of pids.split(/\s+/).filter(Boolean)) process.kill(Number(pid), 'SIGKILL')
          })
        },
      },
    )
    await expect(running).rejects.toThrow(/the lab server in plab-\S+-b was killed by SIGKILL during the run/)
    expect(await ourNamespaces()).toEqual([])
    expect(await hostLeftovers()).toEqual([])
  })
})

describe.skipIf(!canRun)('the lab server refuses what comes from another host', () => {
  const links: KernelLink[] = []
  afterEach(async () => {
    await Promise.all(links.splice(0).map((link) => link.close()))
  })

  /**
   * A link with `lab serve` in the receiver's namespace, and `lab run` in the sender's with `foreign`
   * (a script in the receiver's namespace: the right port, the wrong host) fired at the session's
   * data port while the run is held. The script is started and ready before the run starts, and the
   * run is stopped (SIGSTOP) from the moment the server has its session request until the script has
   * done its part: however slowly a loaded machine starts a process, the foreign traffic arrives
   * within the session. The run is resumed (SIGCONT) and finishes; its JSON report is returned.
   */
  async function sessionWithForeign(transport: 'udp' | 'tcp', foreign: string): Promise<Finished> {
    const link = await KernelLink.create({
      impairment: kernelImpairmentOf({}),
      controlPort: DEFAULT_LAB_PORT,
      path: process.env.PATH ?? '',
      pid: process.pid,
    })
    links.push(link)
    const inNamespace = (namespace: string, args: string[]): Running =>
      start('ip', ['netns', 'exec', namespace, process.execPath, ...args])
    const server = inNamespace(link.names.receiverNamespace, [
      BIN,
      'lab',
      'serve',
      '--bind',
      `${link.receiverAddress}:${DEFAULT_LAB_PORT}`,
    ])
    await server.waitFor('stderr', /listening on/, 15_000)
    // It prints "ready", reads the data port on stdin, does its part and exits 0.
    const script = inNamespace(link.names.receiverNamespace, [
      '-e',
      `const host='${link.receiverAddress}';${foreign};console.log('ready');process.stdin.once('data',(line)=>fire(Number(String(line).trim())))`,
    ])
    await script.waitFor('stdout', /^ready$/m, 15_000)
    const run = inNamespace(link.names.senderNamespace, [
      BIN,
      'lab',
      'run',
      '--server',
      `${link.receiverAddress}:${DEFAULT_LAB_PORT}`,
      '-t',
      transport,
      '--count',
      '2000',
      '--rate',
      '2000',
      '--json',
    ])
    // The server logs the request before it opens the data port and answers: the run waits for
    // that answer, so it is stopped before it has sent a single message.
    await server.waitFor('stderr', /session \w+ from /, 15_000)
    run.kill('SIGSTOP')
    try {
      const match = await server.waitFor('stderr', /data on \w+ port (\d+)/, 15_000)
      script.write(`${match[1]}\n`)
      const fired = await script.finished(15_000)
      expect(fired.code, fired.stderr).toBe(0)
    } finally {
      run.kill('SIGCONT')
    }
    const finished = await run.finished(20_000)
    expect(finished.code, finished.stderr).toBe(0)
    return finished
  }

  it('counts datagrams from another host as foreign', async () => {
    // From the server's own namespace: the right session's port, the wrong host.
    const finished = await sessionWithForeign(
      'udp',
      `const s=require('dgram').createSocket('udp4');const fire=(port)=>{let n=0;const go=()=>s.send('x',port,host,()=>{if(++n<25)go();else s.close(()=>process.exit(0))});go()}`,
    )
    const [udp] = (JSON.parse(finished.stdout) as { runs: LabRun[] }).runs
    expect(udp?.foreign).toBe(25)
    expect(udp?.delivered).toBe(2000)
  })

  it('closes a TCP connection from another host and counts it as foreign', async () => {
    // Exits 0 once the server has closed the connection: by then it has counted it.
    const finished = await sessionWithForeign(
      'tcp',
      `const fire=(port)=>{const c=require('net').connect(port,host);c.on('error',()=>{});c.on('close',()=>process.exit(0));setTimeout(()=>process.exit(3),10000)}`,
    )
    const [tcp] = (JSON.parse(finished.stdout) as { runs: LabRun[] }).runs
    expect(tcp?.foreign).toBe(1)
    expect(tcp?.delivered).toBe(2000)
  })
})

describe.skipIf(!canRun)('protolab lab --link kernel and lab cleanup, the commands', () => {
  it('prints the table with the TCP numbers and the link it built', async () => {
    const result = await runProtolab(
      ['lab', '--link', 'kernel', '-t', 'tcp', '--loss', '5%', '--count', '1000', '--rate', '10000'],
      {
        timeoutMs: 30_000,
      },
    )
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/^tcp retransmits\s+\d+$/m)
    expect(result.stdout).toMatch(/^tcp smoothed rtt\s+[\d.]+ ms$/m)
    expect(result.stdout).toMatch(/^tcp cwnd\s+\d+ segments$/m)
    expect(result.stdout).toContain('impairment loss 5% by nftables, each way')
    // The run's own line: the loss is the kernel's, and TCP retransmitted for real.
    expect(result.stdout).toMatch(/^impairment kernel loss 5% by nftables, real retransmissions$/m)
    expect(result.stdout).not.toContain('(modelled')
  })

  it("counts the UDP datagrams the link's loss rule dropped as the impairment's (nftables counter)", async () => {
    const result = await runProtolab(
      [
        'lab',
        '--link',
        'kernel',
        '-t',
        'udp',
        '--loss',
        '10%',
        '--count',
        '2000',
        '--rate',
        '5000',
        '--json',
      ],
      { timeoutMs: 30_000 },
    )
    expect(result.code).toBe(0)
    const [udp] = (JSON.parse(result.stdout) as { runs: LabRun[] }).runs
    const lostBy = udp?.lostBy
    expect(udp?.lost).toBeGreaterThan(0)
    expect(lostBy?.impairment).toBeGreaterThan(0)
    expect(Object.values(lostBy ?? {}).reduce((sum, count) => sum + count, 0)).toBe(udp?.lost)
    expect(lostBy?.unknown ?? 0).toBeLessThanOrEqual((udp?.lost ?? 0) * 0.01)
  })

  it('leaves no namespace or table behind after Ctrl-C', async () => {
    const lab = startProtolab([
      'lab',
      '--link',
      'kernel',
      '-t',
      'tcp',
      '--loss',
      '10%',
      '--count',
      '1000000',
      '--rate',
      '20000',
    ])
    await lab.waitFor('stderr', /over the kernel link/, 15_000)
    const pid = lab.child.pid ?? 0
    expect(await ourNamespaces(pid)).toHaveLength(2)
    await sleep(300)
    lab.kill('SIGINT')
    const finished = await lab.finished(15_000)
    expect(finished.signal).toBeNull()
    expect(await ourNamespaces(pid)).toEqual([])
    expect(await hostLeftovers()).toEqual([])
  })

  it.skipIf(asNobodyProblem !== undefined)(
    'without root: one line naming the proxy link, exit code 1, nothing created',
    async () => {
      const before = await listNamespaces()
      const asNobody = startProtolabAsNobody(['lab', '--link', 'kernel'])
      const result = await asNobody.finished(10_000)
      expect(result.code).toBe(1)
      expect(result.stderr).toBe(
        'protolab: --link kernel needs root: it creates network namespaces, a veth pair and nftables rules\n' +
          'hint: run it as root (sudo), or use --link proxy (the default): the same experiment through a seeded relay, no privileges needed\n',
      )
      expect(await listNamespaces()).toEqual(before)
    },
  )

  it('refuses impairments only the relay has, naming the proxy link, exit code 2', async () => {
    const result = await runProtolab(['lab', '--link', 'kernel', '-t', 'tcp', '--slice', '1'])
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/^protolab: --slice work on the proxy link only/)
    expect(result.stderr).toMatch(/^hint: .*--link proxy/m)
  })

  it('lab cleanup removes what a dead process left, and keeps what a running one owns unless --all', async () => {
    let deadPid = 4_000_000
    while (existsSync(`/proc/${deadPid}`)) deadPid++
    const left = `plab-${deadPid}-1-a`
    const owned = `plab-${process.pid}-900-a`
    await runTool('ip', ['netns', 'add', left])
    await runTool('ip', ['netns', 'add', owned])
    const first = await runProtolab(['lab', 'cleanup'])
    expect(first.code).toBe(0)
    expect(first.stdout).toContain(`removed namespace ${left}`)
    expect(first.stderr).toContain(`kept namespace ${owned}: the process that made it still runs`)
    expect(await listNamespaces()).not.toContain(left)
    expect(await listNamespaces()).toContain(owned)
    const second = await runProtolab(['lab', 'cleanup', '--all'])
    expect(second.stdout).toContain(`removed namespace ${owned}`)
    expect(await listNamespaces()).not.toContain(owned)
  })
})
