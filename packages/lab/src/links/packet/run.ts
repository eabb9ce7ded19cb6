import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { AbortError, type DatagramImpairment } from '@protolab/core'
import { LabError } from '../../errors.js'
import { readResultsFile } from '../../remote/results-file.js'
import type { LabFlowsRun } from '../../runner/flow-types.js'
import type { LabRun, LabTrace } from '../../runner/types.js'
import type { PacketLinkCounts } from './counts.js'
import { packetLinkEntry } from './entry-file.js'
import type { PacketLinkDirection } from './frame-relay.js'
import type { HostMessage, HostPlan, PacketWorkload } from './protocol.js'
import { type PacketLinkMode, packetLinkSupport, systemPath, unshareArgs } from './support.js'

/** One run over the packet link: the impairment, and the workload that crosses it. */
export interface PacketLinkRunInit {
  readonly impairment: DatagramImpairment
  readonly seed: number
  /** `both` (default): frames are impaired both ways; `forward`: sender → receiver only. */
  readonly direction?: PacketLinkDirection
  /** What the sender sends, over which transport. */
  readonly workload: PacketWorkload
  /** The lab's control port inside the link (its frames pass unimpaired). */
  readonly controlPort: number
  /** The IP version of the lab's ends: 4 (default) or 6. */
  readonly family?: 4 | 6
  /** Record the sender's packets into this pcap file. */
  readonly capture?: string
}

/** Per-call options of {@link runPacketLink}. */
export interface RunPacketLinkOptions {
  /** Stops the run: the link host is killed, and everything in its namespaces with it. */
  readonly signal?: AbortSignal
  /** Each line the sending role prints on stdout (its progress, as JSON). */
  readonly onOutputLine?: (line: string) => void
  /** Told once the link is up, in one line. */
  readonly onLink?: (description: string) => void
  /** Root or rootless; found out by {@link packetLinkSupport} when absent. */
  readonly mode?: PacketLinkMode
}

/** What one packet link run gave: the sender's report and the link's own counts. */
export interface PacketLinkResult {
  readonly runs: readonly LabRun[]
  /** With the workload's `flows`: their run (each flow's numbers, the aggregate, fairness). */
  readonly flowRuns: readonly LabFlowsRun[]
  readonly traces: readonly LabTrace[]
  readonly counts: PacketLinkCounts
  readonly mode: PacketLinkMode
}

/**
 * Runs the lab's sender and receiver across the packet link: a link host under `unshare` (PID 1
 * of fresh PID and network namespaces; inside a user namespace too when this is not root) makes
 * two namespaces joined by VXLAN tunnels, relays their Ethernet frames through the seeded impairer, and
 * runs `lab serve` and `lab run` in them, so the kernel's own UDP and TCP meet the impairment.
 * The host's stdin is a pipe from this process: when this process ends, however it ends, the host
 * sees the pipe close and exits, and the kernel removes everything it made.
 *
 * @throws LabError `ERR_UNSUPPORTED` or `ERR_PRIVILEGE` (reason `packet-link-unavailable`) where the link cannot run, `ERR_PROCESS_FAILED` (reason `packet-link-failed`) when it fails
 * @throws AbortError when `signal` aborts
 */
export async function runPacketLink(
  init: PacketLinkRunInit,
  options: RunPacketLinkOptions = {},
): Promise<PacketLinkResult> {
  const signal = options.signal ?? new AbortController().signal
  signal.throwIfAborted()
  let mode = options.mode
  if (mode === undefined) {
    const support = packetLinkSupport()
    if (support.problem !== undefined) throw support.problem
    mode = support.mode
  }
  const entry = packetLinkEntry()
  const directory = await mkdtemp(join(tmpdir(), 'protolab-packet-link-'))
  const plan: HostPlan = {
    node: process.execPath,
    entry,
    impairment: init.impairment,
    seed: init.seed,
    direction: init.direction ?? 'both',
    workload: init.workload,
    resultsFile: join(directory, 'results.bin'),
    controlPort: init.controlPort,
    family: init.family ?? 4,
    ...(init.capture === undefined ? {} : { capture: init.capture }),
  }
  // The host's command line names this process: `lab cleanup` tells a stray host by it.
  const host = spawn(
    'unshare',
    [...unshareArgs(mode), process.execPath, entry, 'host', String(process.pid)],
    {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, PATH: systemPath(process.env.PATH ?? ''), NO_COLOR: '1' },
    },
  )
  let stderr = ''
  host.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-16_384)
  })
  host.stdin.on('error', () => {})
  const exited = new Promise<number | null>((resolve) => {
    host.once('close', (code) => resolve(code))
    host.once('error', () => resolve(null))
  })
  const kill = (): void => {
    host.kill('SIGKILL')
  }
  signal.addEventListener('abort', kill, { once: true })
  // A synchronous last resort: the pipe's closing ends the host too, this only makes it sooner.
  process.once('exit', kill)
  try {
    host.stdin.write(`${JSON.stringify(plan)}\n`)
    let counts: PacketLinkCounts | undefined
    let failure: string | undefined
    const lines = createInterface({ input: host.stdout })
    lines.on('line', (line) => {
      let message: HostMessage
      try {
        message = JSON.parse(line) as HostMessage
      } catch {
        return
      }
      if (message.type === 'ready') options.onLink?.(message.description)
      else if (message.type === 'progress') options.onOutputLine?.(message.line)
      else if (message.type === 'done') counts = message.counts
      else if (message.type === 'error') failure = message.message
    })
    const code = await exited
    if (signal.aborted) throw new AbortError()
    if (failure !== undefined)
      throw new LabError('ERR_PROCESS_FAILED', `the packet link failed: ${failure}`, {
        reason: 'packet-link-failed',
      })
    if (code !== 0 || counts === undefined) {
      const why = stderr.trim().split('\n').at(-1) ?? ''
      throw new LabError(
        'ERR_PROCESS_FAILED',
        `the packet link's host ${code === null ? 'was killed' : `exited with code ${code}`}${why === '' ? '' : `: ${why}`}`,
        { reason: 'packet-link-failed' },
      )
    }
    const report = await readResultsFile(plan.resultsFile)
    return { runs: report.runs, traces: report.traces, flowRuns: report.flowRuns ?? [], counts, mode }
  } finally {
    signal.removeEventListener('abort', kill)
    process.off('exit', kill)
    host.stdin.end()
    kill()
    await exited
    await rm(directory, { recursive: true, force: true })
  }
}
