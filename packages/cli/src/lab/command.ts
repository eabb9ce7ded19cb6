import { resolve } from 'node:path'
import {
  droppedWarning,
  formatCount,
  type IntervalListener,
  intervalHeader,
  intervalLine,
  LabCapture,
  type LabListening,
  type LabMode,
  type LabOptions,
  type LabTransportName,
  type RelayReport,
  renderJson,
  renderTable,
  runLab,
  writeCsvLog,
  writeHtml,
} from '@protolab/lab'
import { createProgressDisplay } from '@protolab/lab/progress'
import type { CliIO } from '../io.js'
import { writeAndDrain } from '../io.js'
import { formatAddress, type IPVersionFlags, ipVersionOf } from '../options/address.js'
import { type ImpairmentFlags, impairmentFromFlags } from './flags.js'

/** What `protolab lab` was asked for, as commander parsed it. */
export interface LabFlags extends ImpairmentFlags, IPVersionFlags {
  transport: LabTransportName | 'both'
  count?: number
  size?: number
  rate?: number
  duration?: number
  /** `--interval <time>`, ms. */
  interval?: number
  mode: LabMode
  seed?: number
  json?: boolean
  log?: string
  report?: string
  inProcess?: boolean
  recvBuffer?: number
  /** `--capture <file.pcap>`: record the lab's packets (loopback, or the kernel link's receiver veth). */
  capture?: string
}

/** The lab options the flags ask for. */
export function labOptionsFromFlags(flags: LabFlags): LabOptions {
  const transports: LabTransportName[] = flags.transport === 'both' ? ['udp', 'tcp'] : [flags.transport]
  const impairment = impairmentFromFlags(flags, flags.transport)
  return {
    transports,
    ...(flags.count === undefined ? {} : { count: flags.count }),
    ...(flags.size === undefined ? {} : { size: flags.size }),
    ...(flags.rate === undefined ? {} : { rate: flags.rate }),
    ...(flags.duration === undefined ? {} : { durationMs: flags.duration }),
    ...(flags.interval === undefined ? {} : { intervalMs: flags.interval }),
    mode: flags.mode,
    ...(flags.seed === undefined ? {} : { seed: flags.seed }),
    impairment,
    inProcess: flags.inProcess === true,
    trace: flags.log !== undefined || flags.report !== undefined,
    host: ipVersionOf(flags) === 6 ? '::1' : '127.0.0.1',
    ...(flags.recvBuffer === undefined ? {} : { recvBufferBytes: flags.recvBuffer }),
  }
}

/** The workload in a few words: `10,000 messages of 64 B, as fast as possible, one-way`. */
export function describeWorkload(options: LabOptions): string {
  const count = options.count === undefined ? '' : `${formatCount(options.count)} messages of `
  const size = `${options.size ?? 64} B`
  const rate = options.rate ? `at ${formatCount(options.rate)} messages/s` : 'as fast as possible'
  const duration = options.durationMs === undefined ? '' : `, for ${formatCount(options.durationMs)} ms`
  const mode = options.mode === 'rtt' ? 'round trip (echoed)' : 'one-way'
  return `${count || 'messages of '}${size}, ${rate}${duration}, ${mode}`
}

/** Where a run's messages go, in a few words: `through the impairment relay 127.0.0.1:41000 to the receiver 127.0.0.1:41001`. */
export function describeRoute({ receiver, relay }: LabListening): string {
  const to = `the receiver ${formatAddress(receiver)}`
  return relay === undefined
    ? `direct to ${to}`
    : `through the impairment relay ${formatAddress(relay)} to ${to}`
}

/**
 * `protolab lab`: runs the lab, prints the side-by-side table (or `--json`), writes `--log`,
 * `--report` and `--capture` files, with a progress bar on a terminal. Rejects (exit code 1) when a
 * child process dies mid-run.
 */
export async function runLabCommand(flags: LabFlags, io: CliIO): Promise<void> {
  const options = labOptionsFromFlags(flags)
  const progress = createProgressDisplay(io.stderr, io.isTTY.stderr)
  const capture = flags.capture === undefined ? undefined : new LabCapture(flags.capture)
  let captureFailure: unknown
  let report: Awaited<ReturnType<typeof runLab>>
  try {
    report = await runLab(options, {
      signal: io.signal,
      onProgress: progress.onProgress,
      ...(flags.json ? {} : { onInterval: printInterval(io) }),
      onListening: async (listening) => {
        if (!flags.json) {
          io.stderr.write(
            `lab: ${listening.transport}, ${describeWorkload(options)}, ${describeRoute(listening)}\n`,
          )
        }
        await capture?.startRun(listening)
      },
    })
  } finally {
    progress.stop()
    // Whatever happened, no capture program outlives the command, and what it recorded is kept.
    // A run's own failure says more than a capture's, so this one is thrown only after a good run.
    const stats = await capture?.finish().catch((error: unknown) => {
      captureFailure = error
    })
    const dropped =
      stats && flags.capture !== undefined ? droppedWarning(resolve(flags.capture), stats) : undefined
    if (dropped !== undefined) io.stderr.write(`${dropped}\n`)
  }
  if (captureFailure !== undefined) throw captureFailure
  if (flags.json) {
    await writeAndDrain(io.stdout, renderJson(report))
  } else {
    const color = io.isTTY.stdout && io.env.NO_COLOR === undefined
    await writeAndDrain(io.stdout, renderTable(report.runs, { color }))
    for (const [index, run] of report.runs.entries()) {
      const relay = report.relays?.[index]
      if (relay === undefined) continue
      io.stderr.write(`${run.transport} relay: ${describeRelay(relay)}\n`)
    }
  }
  if (flags.log !== undefined) {
    await writeCsvLog(flags.log, report.traces, io.stderr)
  }
  if (flags.report !== undefined) {
    await writeHtml(flags.report, report, { command: describeWorkload(options) })
    io.stderr.write(`report: ${resolve(flags.report)}\n`)
  }
  if (flags.capture !== undefined) io.stderr.write(`capture: ${resolve(flags.capture)}\n`)
}

/** Prints each interval on stdout as it comes, under a heading per transport. */
function printInterval(io: CliIO): IntervalListener {
  let heading: string | undefined
  return (transport, interval) => {
    if (heading !== transport) {
      heading = transport
      io.stdout.write(`${intervalHeader(transport)}\n`)
    }
    io.stdout.write(`${intervalLine(interval)}\n`)
  }
}

/** What a relay did on the way to the receiver, in a few words. */
export function describeRelay(stats: RelayReport): string {
  const counts: Readonly<Record<string, number>> = { ...stats.toServer }
  const names =
    'received' in stats.toServer
      ? ['received', 'forwarded', 'dropped', 'duplicated', 'reordered', 'corrupted']
      : ['bytes', 'writes', 'stalls', 'lostSegments', 'resets']
  return names
    .filter((name, index) => index < 2 || (counts[name] ?? 0) > 0)
    .map((name) => `${name === 'lostSegments' ? 'lost segments' : name} ${formatCount(counts[name] ?? 0)}`)
    .join(', ')
}
