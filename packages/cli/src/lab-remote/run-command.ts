import { resolve } from 'node:path'
import { parseHostPort } from '@protolab/core'
import { type LabTransportName, labTransportsOf } from '@protolab/lab'
import { createProgressDisplay } from '@protolab/lab/progress'
import { type RemoteLabOptions, type RemoteLabReport, runRemoteLab } from '@protolab/lab/remote'
import { renderFlowTable, renderJson, renderTable, writeCsvLog, writeHtml } from '@protolab/lab/report'
import { UsageError } from '../errors.js'
import type { CliIO } from '../io.js'
import { writeAndDrain } from '../io.js'
import { formatAddress } from '../options/address.js'
import { printTwoSidedInterval } from './print-intervals.js'

/** What `protolab lab run` was asked for. */
export interface RunFlags {
  server: string
  /** A transport, `both` (udp and tcp) or `all` (every transport the lab knows), as `lab -t` takes them. */
  transport: LabTransportName | 'both' | 'all'
  reverse?: boolean
  bidir?: boolean
  /** `-P, --parallel <n>`: n flows of each transport at once. */
  parallel?: number
  /** `--flows <spec>`: flows of several transports at once. */
  flows?: string
  count?: number
  size?: number
  rate?: number
  duration?: number
  /** `--interval <time>`, ms. */
  interval?: number
  mode: 'oneway' | 'rtt'
  json?: boolean
  log?: string
  report?: string
  recvBuffer?: number
}

/** The remote lab options the flags ask for. */
export async function remoteOptionsFromFlags(flags: RunFlags): Promise<RemoteLabOptions> {
  const { host, port } = parseHostPort(flags.server)
  if (port === 0)
    throw new UsageError('--server needs the port the lab server listens on, e.g. 192.0.2.7:5301')
  return {
    server: { address: host, port },
    transports: labTransportsOf(flags.transport),
    direction: flags.bidir ? 'bidir' : flags.reverse ? 'reverse' : 'forward',
    ...(flags.parallel === undefined ? {} : { parallel: flags.parallel }),
    ...(flags.flows === undefined ? {} : { flows: await flowPlanOf(flags.flows, flags.rate) }),
    ...(flags.count === undefined ? {} : { count: flags.count }),
    ...(flags.size === undefined ? {} : { size: flags.size }),
    ...(flags.rate === undefined ? {} : { rate: flags.rate }),
    ...(flags.duration === undefined ? {} : { durationMs: flags.duration }),
    mode: flags.mode,
    trace: flags.log !== undefined || flags.report !== undefined,
    ...(flags.recvBuffer === undefined ? {} : { recvBufferBytes: flags.recvBuffer }),
    ...(flags.interval === undefined ? {} : { intervalMs: flags.interval }),
  }
}

/**
 * `protolab lab run`: runs the lab against a lab server and prints the same report as a local
 * run: the table (or `--json`), `--log` and `--report` files.
 */
export async function runRunCommand(flags: RunFlags, io: CliIO): Promise<void> {
  const options = await remoteOptionsFromFlags(flags)
  if (flags.parallel !== undefined || flags.flows !== undefined) {
    for (const [flag, given] of [
      ['--log', flags.log],
      ['--report', flags.report],
    ] as const) {
      if (given !== undefined)
        throw new UsageError(
          `${flag} does not go with ${flags.flows === undefined ? '--parallel' : '--flows'} yet`,
        )
    }
  }
  const progress = createProgressDisplay(io.stderr, io.isTTY.stderr && !flags.json)
  let report: RemoteLabReport
  try {
    report = await runRemoteLab(options, {
      signal: io.signal,
      onProgress: progress.onProgress,
      ...(flags.json ? {} : { onInterval: printTwoSidedInterval(io) }),
    })
  } finally {
    progress.stop()
  }
  if (report.flowRuns !== undefined) {
    // A run of parallel flows: its flows, aggregate and fairness, as a local `lab -P n` prints them.
    const color = io.isTTY.stdout && io.env.NO_COLOR === undefined
    const text = flags.json
      ? `${JSON.stringify({ runs: report.flowRuns }, null, 2)}\n`
      : report.flowRuns.map((run) => renderFlowTable(run, { color })).join('\n')
    await writeAndDrain(io.stdout, text)
    if (!flags.json) io.stderr.write(`${serverNotes(options).join('\n')}\n`)
    return
  }
  if (flags.json) {
    await writeAndDrain(io.stdout, renderJson(report))
  } else {
    const color = io.isTTY.stdout && io.env.NO_COLOR === undefined
    await writeAndDrain(io.stdout, renderTable(report.runs, { color, notes: serverNotes(options) }))
  }
  if (flags.log !== undefined) {
    await writeCsvLog(flags.log, report.traces, io.stderr)
  }
  if (flags.report !== undefined) {
    await writeHtml(flags.report, report, {
      command: `lab run --server ${formatAddress(options.server)}`,
      notes: serverNotes(options),
    })
    io.stderr.write(`report: ${resolve(flags.report)}\n`)
  }
}

/** `--flows`: each flow without its own `@rate` takes `--rate` (messages/s). */
async function flowPlanOf(spec: string, rate: number | undefined): Promise<RemoteLabOptions['flows']> {
  const { parseFlowSpec } = await import('@protolab/core')
  const defaultRate = rate === undefined || rate === 0 ? undefined : { messagesPerSec: rate }
  return parseFlowSpec(spec, { transports: ['udp', 'tcp', 'kcp'] as const, defaultRate })
}

/** The line under a remote run's table: where the server was, and that nothing was impaired. */
function serverNotes(options: RemoteLabOptions): string[] {
  return [`server: ${formatAddress(options.server)}, over the network as it is (no impairment added)`]
}
