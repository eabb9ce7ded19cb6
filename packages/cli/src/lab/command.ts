import { resolve } from 'node:path'
import { type FlowPacing, messagesPerSecond } from '@protolab/core'
import {
  captureFile,
  DEFAULT_SIZE,
  describeRelay,
  describeRoute,
  describeWorkload,
  droppedWarning,
  type FlowsReportRun,
  type IntervalListener,
  intervalHeader,
  intervalLine,
  LabCapture,
  type LabMode,
  type LabOptions,
  type LabTrace,
  type LabTransportName,
  labTransport,
  labTransportsOf,
  renderFlowTable,
  renderJson,
  renderTable,
  runFlows,
  runLab,
  writeCsvLog,
  writeFlowsHtml,
  writeHtml,
} from '@protolab/lab'
import { createProgressDisplay } from '@protolab/lab/progress'
import type { CliIO } from '../io.js'
import { writeAndDrain } from '../io.js'
import { type IPVersionFlags, ipVersionOf } from '../options/address.js'
import { flowPlansFromFlags } from '../options/flows.js'
import { type ImpairmentFlags, type ImpairmentScope, impairmentFromFlags } from './flags.js'

/** What `protolab lab` was asked for, as commander parsed it. */
export interface LabFlags extends ImpairmentFlags, IPVersionFlags {
  /** A transport, `both` (udp and tcp) or `all` (every transport the lab knows). */
  transport: LabTransportName | 'both' | 'all'
  count?: number
  size?: number
  /** `--rate`: messages/s or a bit rate; null for `0` (as fast as possible). */
  rate?: FlowPacing | null
  /** `-P, --parallel <n>`: n flows of each transport at once. */
  parallel?: number
  /** `--flows <spec>`: flows of several transports at once, e.g. `udp:1@30mbit,tcp:2`. */
  flows?: string
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
  /** `--capture <file.pcap>`: record the lab's packets (loopback, the packet link's sender, or the kernel link's receiver veth). */
  capture?: string
  /** `--link`: auto (the default), packet, proxy, or kernel (its own command). */
  link?: 'auto' | 'packet' | 'proxy' | 'kernel'
  /** `--direction`: which ways the packet link impairs. */
  direction?: 'forward' | 'both'
}

/** The lab options the flags ask for. */
export function labOptionsFromFlags(flags: LabFlags): LabOptions {
  const transports = labTransportsOf(flags.transport)
  const link = flags.link === 'kernel' || flags.link === undefined ? 'auto' : flags.link
  // On the packet link every transport's packets meet every impairment: the library checks what fits the link it takes.
  const impairment = impairmentFromFlags(flags, link === 'proxy' ? impairmentScopeOf(transports) : 'both')
  return {
    link,
    ...(flags.direction === undefined ? {} : { packetDirection: flags.direction }),
    ...(flags.capture === undefined ? {} : { capture: flags.capture }),
    transports,
    ...(flags.count === undefined ? {} : { count: flags.count }),
    ...(flags.size === undefined ? {} : { size: flags.size }),
    ...(flags.rate === undefined
      ? {}
      : { rate: messagesPerSecond(flags.rate ?? undefined, flags.size ?? DEFAULT_SIZE) }),
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

/** Which impairment flags the transports can have: datagram ones (udp, kcp), stream ones (tcp), or both kinds. */
export function impairmentScopeOf(transports: readonly LabTransportName[]): ImpairmentScope {
  const kinds = new Set(transports.map((name) => labTransport(name).impairment))
  if (kinds.size > 1) return 'both'
  return kinds.has('stream') ? 'tcp' : 'udp'
}

/**
 * `protolab lab`: runs the lab, prints the side-by-side table (or `--json`), writes `--log`,
 * `--report` and `--capture` files, with a progress bar on a terminal. Rejects (exit code 1) when a
 * child process dies mid-run.
 */
export async function runLabCommand(flags: LabFlags, io: CliIO): Promise<void> {
  const plans = await flowPlansFromFlags(flags)
  if (plans !== undefined) {
    await runFlowsCommand(flags, plans, io)
    return
  }
  const options = labOptionsFromFlags(flags)
  const progress = createProgressDisplay(io.stderr, io.isTTY.stderr)
  const capture = flags.capture === undefined ? undefined : new LabCapture(flags.capture)
  let captureFailure: unknown
  let report: Awaited<ReturnType<typeof runLab>>
  try {
    report = await runLab(options, {
      signal: io.signal,
      onProgress: progress.onProgress,
      onLink: (transport, description) => {
        if (!flags.json)
          io.stderr.write(`lab: ${transport}, ${describeWorkload(options)}, over the ${description}\n`)
      },
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
  const notes = report.notes ?? []
  if (flags.json) {
    await writeAndDrain(io.stdout, renderJson(report))
  } else {
    const color = io.isTTY.stdout && io.env.NO_COLOR === undefined
    await writeAndDrain(io.stdout, renderTable(report.runs, { color, notes }))
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
    await writeHtml(flags.report, report, { command: describeWorkload(options), notes })
    io.stderr.write(`report: ${resolve(flags.report)}\n`)
  }
  const captures = report.captures ?? (flags.capture === undefined ? [] : [resolve(flags.capture)])
  for (const capture of captures) io.stderr.write(`capture: ${capture}\n`)
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

/**
 * `protolab lab --parallel n` or `--flows spec`: each plan's flows at once on the relay link, one
 * plan after the other (`-t both -P 4`: UDP's four, then TCP's), a table per run (or `--json`).
 */
async function runFlowsCommand(
  flags: LabFlags,
  plans: Awaited<ReturnType<typeof flowPlansFromFlags>> & object,
  io: CliIO,
): Promise<void> {
  const options = labOptionsFromFlags(flags)
  const { transports: _transports, rate: _rate, trace: _trace, ...workload } = options
  const runs: FlowsReportRun[] = []
  const color = io.isTTY.stdout && io.env.NO_COLOR === undefined
  const notes: string[] = []
  const captures: string[] = []
  const logged: { readonly traces: LabTrace[]; readonly flowIds: number[] } = { traces: [], flowIds: [] }
  for (const plan of plans) {
    if (!flags.json) {
      const what = plan.flows.map((flow) => `${flow.transport} flow ${flow.id}`).join(', ')
      io.stderr.write(
        `lab: ${plan.flows.length} flows at once (${what}), ${describeWorkload({ ...options, rate: 0 })}\n`,
      )
    }
    // `-t both -P 2` runs a plan per transport, each recording into a file of its own.
    const capture = captureFile(flags.capture, plan.flows[0]!.transport, plans.length)
    const outcome = await runFlows(
      { ...workload, plan, trace: flags.report !== undefined || flags.log !== undefined, capture },
      {
        signal: io.signal,
        onLink: (description) => {
          if (!flags.json) io.stderr.write(`lab: flows over the ${description}\n`)
        },
      },
    )
    runs.push({ run: outcome.run, traces: outcome.traces })
    captures.push(...(outcome.captures ?? []))
    for (const [index, trace] of (outcome.traces ?? []).entries()) {
      logged.traces.push(trace)
      logged.flowIds.push(outcome.run.flows[index]!.id)
    }
    notes.push(...outcome.notes.filter((note) => note !== outcome.run.sharing.note))
    if (!flags.json) {
      await writeAndDrain(io.stdout, renderFlowTable(outcome.run, { color }))
      // The table says what the flows shared; the other notes say which link ran and what it did.
      for (const note of outcome.notes) {
        if (note !== outcome.run.sharing.note) io.stderr.write(`${note}\n`)
      }
      for (const [transport, relay] of Object.entries(outcome.relays)) {
        if (relay !== undefined) io.stderr.write(`${transport} relay: ${describeRelay(relay)}\n`)
      }
    }
  }
  if (flags.json) {
    await writeAndDrain(io.stdout, `${JSON.stringify({ runs: runs.map(({ run }) => run) }, null, 2)}\n`)
  }
  for (const capture of captures) io.stderr.write(`capture: ${capture}\n`)
  if (flags.log !== undefined) await writeCsvLog(flags.log, logged.traces, io.stderr, logged.flowIds)
  if (flags.report !== undefined) {
    await writeFlowsHtml(flags.report, runs, {
      command: describeWorkload({ ...options, rate: 0 }),
      notes,
      payloadBytes: options.size ?? 64,
    })
    io.stderr.write(`report: ${resolve(flags.report)}\n`)
  }
}
