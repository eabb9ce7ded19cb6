import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  AbortError,
  type Destination,
  InvalidArgumentError,
  type LabInterval,
  randomSeed,
} from '@protolab/core'
import { type Capture, droppedWarning, startCapture } from '../../capture/tcpdump.js'
import { LabError } from '../../errors.js'
import type { RemoteLabOptions } from '../../remote/client.js'
import { type FlowDirection, MIN_INTERVAL_MS } from '../../remote/protocol.js'
import { readResultsFile } from '../../remote/results-file.js'
import { DEFAULT_LAB_PORT } from '../../remote/server.js'
import type { RemoteLabReport } from '../../remote/types.js'
import { type LabOptions, resolveLabOptions, workloadOf } from '../../runner/options.js'
import type { LabProgress, LabRun, LabTransportName } from '../../runner/types.js'
import { NamespacedProcess } from './children.js'
import { withSystemDirectories } from './exec.js'
import { guardExit } from './exit-guard.js'
import { describeKernelImpairment, impairmentOfRun, kernelImpairmentOf } from './impairment.js'
import { KernelLink, type LossTool } from './link.js'
import { withKernelUdpDrops } from './lost-by.js'
import { kernelLinkProblem, type MachineFacts } from './support.js'

/** What {@link runKernelLink} runs: the lab's options, and which way the messages go. */
export interface KernelLinkOptions extends LabOptions {
  /** `forward` (default): the sender's namespace sends; `reverse`: the receiver's does; `bidir`: both at once. */
  readonly direction?: 'forward' | 'reverse' | 'bidir'
}

/** Per-call options of {@link runKernelLink}. */
export interface RunKernelLinkOptions {
  /** Stops the run; everything is removed before runKernelLink rejects with AbortError. */
  readonly signal?: AbortSignal
  readonly onProgress?: (progress: LabProgress) => void
  /**
   * With `intervalMs`: told of each interval as it closes, as `lab run` is (a forward flow's with
   * what was sent in it and, over TCP, the sender's kernel retransmits and cwnd).
   */
  readonly onInterval?: (transport: LabTransportName, interval: LabInterval, direction: FlowDirection) => void
  /**
   * Told once the link is up: what was built and how it is impaired, in one line, and which tool
   * drops packets (undefined without `--loss`).
   */
  readonly onLink?: (description: string, lossTool: LossTool | undefined) => void
  /** The machine, for tests; this one by default. */
  readonly machine?: MachineFacts
  /**
   * Record the run's packets into this pcap file, with tcpdump (or dumpcap) inside the receiver's
   * namespace, on its veth end: the control channel and every data packet, from before the first
   * to after the last. Packets the loss rules drop on arrival are in it too: the capture sees them
   * first.
   */
  readonly capture?: string
  /** Told of what the user should know but that does not fail the run (a capture that missed packets). */
  readonly onWarning?: (warning: string) => void
}

/** How long the lab server in the receiver's namespace may take to start listening. */
const SERVER_START_TIMEOUT_MS = 15_000

/**
 * The lab over a real kernel link (Linux, root): two network namespaces joined by a veth pair,
 * loss by nftables, rate by tc, delay and reordering by netem when the kernel has it. A lab server
 * runs in one namespace and a lab client in the other, each the lab package's namespace entry
 * (`lab-namespace.js`, one typed request in, events and a results file out), so TCP's
 * retransmissions and congestion control are the kernel's own and are measured (`retransmits`,
 * `rttMs`, `cwnd` from `ss -ti`). The namespaces, and with them every rule, are removed when the
 * run ends, fails, is aborted, when a child dies, and when the process exits.
 *
 * @throws LabError (`ERR_INVALID_ARGUMENT`) off Linux, or for an impairment only the proxy link has
 * @throws LabError without root or iproute2, when a child fails or dies, or when `capture` cannot start
 * @throws InvalidArgumentError for intervals shorter than 100 ms
 * @throws AbortError when `signal` aborts
 */
export async function runKernelLink(
  options: KernelLinkOptions,
  context: RunKernelLinkOptions = {},
): Promise<RemoteLabReport> {
  const plan = resolveLabOptions({ ...options, inProcess: false })
  if (plan.intervalMs !== undefined && plan.intervalMs < MIN_INTERVAL_MS) {
    throw new InvalidArgumentError(
      `the kernel link reports intervals of at least ${MIN_INTERVAL_MS} ms (its lab server takes no shorter ones), got ${plan.intervalMs} ms`,
    )
  }
  const kernel = kernelImpairmentOf(plan.impairment)
  const machine = context.machine ?? thisMachine()
  const problem = kernelLinkProblem(machine, kernel.loss > 0)
  if (problem !== undefined) throw problem
  const signal = context.signal ?? new AbortController().signal
  signal.throwIfAborted()
  const seed = options.seed ?? randomSeed()

  const link = await KernelLink.create({
    impairment: kernel,
    controlPort: DEFAULT_LAB_PORT,
    path: machine.path,
    pid: process.pid,
  })
  const children: NamespacedProcess[] = []
  let capture: Capture | undefined
  // closeSync kills every process in the namespaces, the capture program with them.
  const unguard = guardExit(() => {
    for (const child of children) child.killNow()
    link.closeSync()
  })
  const directory = await mkdtemp(join(tmpdir(), 'protolab-kernel-link-'))
  try {
    const lossTool = link.lossTool ?? 'nftables'
    const impairmentText = describeKernelImpairment(kernel, lossTool)
    context.onLink?.(
      `kernel link: ${link.names.senderNamespace} (${link.senderAddress}) ⇄ ${link.names.receiverNamespace} (${link.receiverAddress}) over a veth pair; impairment ${impairmentText}`,
      link.lossTool,
    )
    if (context.capture !== undefined) {
      // Everything in the receiver's namespace is the run's: no filter beyond IP is needed.
      capture = await startCapture({
        file: context.capture,
        namespace: link.names.receiverNamespace,
        interface: link.names.receiverDevice,
        filter: 'ip',
      })
    }
    const server = NamespacedProcess.start(
      link.names.receiverNamespace,
      { kind: 'serve', bind: { host: link.receiverAddress, port: DEFAULT_LAB_PORT } },
      `the lab server in ${link.names.receiverNamespace}`,
    )
    children.push(server)
    await raceAbort(server.waitForEvent('listening', SERVER_START_TIMEOUT_MS), signal)

    const resultsFile = join(directory, 'results.bin')
    const client = NamespacedProcess.start(
      link.names.senderNamespace,
      {
        kind: 'run',
        options: remoteOptionsOf(options, plan, { address: link.receiverAddress, port: DEFAULT_LAB_PORT }),
        resultsFile,
      },
      `the lab client in ${link.names.senderNamespace}`,
      (event) => {
        if (event.type === 'progress') context.onProgress?.(event.progress)
        if (event.type === 'interval') context.onInterval?.(event.transport, event.interval, event.direction)
      },
    )
    children.push(client)
    const ended = await raceAbort(
      Promise.race([
        client.exited.then((exit) => ({ who: client, exit })),
        server.exited.then((exit) => ({ who: server, exit })),
      ]),
      signal,
    )
    if (ended.who === server) {
      throw new LabError(
        'ERR_PROCESS_FAILED',
        `${server.description} ${describeExit(ended.exit)} during the run: ${server.complaint}`,
      )
    }
    if (ended.exit.code !== 0) {
      // A client that failed because the server died says less than the server's death.
      const serverExit = await Promise.race([server.exited, sleep(200).then(() => undefined)])
      if (serverExit !== undefined) {
        throw new LabError(
          'ERR_PROCESS_FAILED',
          `${server.description} ${describeExit(serverExit)} during the run: ${server.complaint}`,
        )
      }
      throw new LabError('ERR_PROCESS_FAILED', `${client.description} failed: ${client.complaint}`)
    }
    const report = await readResultsFile(resultsFile)
    const impairment = impairmentOfRun(kernel)
    const runs: LabRun[] = report.runs.map((run) => ({ ...run, impairment, seed, link: 'kernel' }))
    // Read while the namespaces and their counters still exist.
    const drops = await link.udpImpairmentDrops()
    return { runs: drops === undefined ? runs : withKernelUdpDrops(runs, drops), traces: report.traces }
  } catch (error) {
    if (signal.aborted) throw new AbortError()
    throw error
  } finally {
    await Promise.allSettled(children.map((child) => child.stop()))
    // Stopped before the link goes, once the children's sockets are closed, so their close is in it.
    const stats = await capture?.stop()
    const dropped =
      stats && context.capture !== undefined ? droppedWarning(context.capture, stats) : undefined
    if (dropped !== undefined) context.onWarning?.(dropped)
    await link.close()
    unguard()
    await rm(directory, { recursive: true, force: true })
  }
}

/** The lines under a kernel link run's table: what the link was, and that it is not seeded. */
export function kernelLinkNotes(runs: readonly LabRun[], linkDescription: string | undefined): string[] {
  const notes: string[] = []
  if (linkDescription !== undefined) notes.push(linkDescription)
  if (runs.some((run) => run.impairment !== null)) {
    notes.push('the kernel draws its own random numbers: --seed does not repeat a kernel link run exactly')
  }
  return notes
}

function thisMachine(): MachineFacts {
  return {
    platform: process.platform,
    uid: process.getuid?.(),
    path: withSystemDirectories(process.env.PATH ?? ''),
  }
}

/** The lab client's options: the plan's workload, against the server in the other namespace. */
function remoteOptionsOf(
  options: KernelLinkOptions,
  plan: ReturnType<typeof resolveLabOptions>,
  server: Destination,
): RemoteLabOptions {
  return {
    server,
    transports: plan.transports,
    direction: options.direction ?? 'forward',
    ...workloadOf(plan),
  }
}

function describeExit(exit: { code: number | null; signal: NodeJS.Signals | null }): string {
  return exit.signal === null ? `exited with code ${exit.code}` : `was killed by ${exit.signal}`
}

function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new AbortError())
  return new Promise((resolve, reject) => {
    const onAbort = (): void => reject(new AbortError())
    signal.addEventListener('abort', onAbort, { once: true })
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort)
        resolve(value)
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort)
        reject(error)
      },
    )
  })
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
