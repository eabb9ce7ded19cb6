import { resolve } from 'node:path'
import { type DatagramImpairment, randomSeed } from '@protolab/core'
import { UsageError } from '../errors.js'
import type { CliIO } from '../io.js'
import { writeAndDrain } from '../io.js'
import { cliEntry } from '../kernel-link/children.js'
import { describeWorkload, type LabFlags } from '../lab/command.js'
import { impairmentFromFlags } from '../lab/flags.js'
import { type LabOptions, resolveLabOptions } from '../lab/options.js'
import type { LabProgress, LabRun, LabTrace, LabTransportName } from '../lab/types.js'
import { DEFAULT_LAB_PORT } from '../lab-remote/server.js'
import type { PacketLinkDirection } from '../packet-link/frame-relay.js'
import type { PacketLinkCounts } from '../packet-link/protocol.js'
import { runPacketLink } from '../packet-link/run.js'
import { writeCsvLog } from '../report/csv.js'
import { formatCount } from '../report/format.js'
import { writeHtml } from '../report/html.js'
import { renderJson } from '../report/json.js'
import { createProgressDisplay } from '../report/progress.js'
import { renderTable } from '../report/table.js'

/** `protolab lab --link packet` flags: the lab's, and which ways the link impairs. */
export interface PacketLabFlags extends LabFlags {
  direction?: PacketLinkDirection
}

/** The impairments only the relay's stream model has: a packet link has packets, not a stream to slice. */
export const STREAM_ONLY_FLAGS = [
  'slice',
  'stall',
  'stallEvery',
  'stallChance',
  'reset',
  'resetAfter',
  'rto',
] as const

/**
 * `protolab lab --link packet`: the lab's flags over the packet link, one link per transport
 * (the same seed and impairment for each), reported as a local run is, with the kernel's TCP
 * numbers and the link's own counts.
 */
export async function runPacketLabCommand(flags: PacketLabFlags, io: CliIO): Promise<void> {
  if (flags.inProcess) throw new UsageError('--in-process works on the proxy link only')
  if (flags.ipv6) throw new UsageError('the packet link is IPv4 only (10.77.0.0/24 inside its namespaces)')
  const streamOnly = STREAM_ONLY_FLAGS.filter((key) => flags[key] !== undefined)
  if (streamOnly.length > 0) {
    const names = streamOnly.map((key) => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`)
    throw new UsageError(`${names.join(', ')}: the relay's stream model only, not the packet link`, {
      hint: 'use --link proxy for it; on the packet link the kernel makes its own TCP',
    })
  }
  const impairment = packetImpairment(flags)
  const transports: LabTransportName[] = flags.transport === 'both' ? ['udp', 'tcp'] : [flags.transport]
  const options: LabOptions = {
    transports,
    ...(flags.count === undefined ? {} : { count: flags.count }),
    ...(flags.size === undefined ? {} : { size: flags.size }),
    ...(flags.rate === undefined ? {} : { rate: flags.rate }),
    ...(flags.duration === undefined ? {} : { durationMs: flags.duration }),
    mode: flags.mode,
    trace: flags.log !== undefined || flags.report !== undefined,
    ...(flags.recvBuffer === undefined ? {} : { recvBufferBytes: flags.recvBuffer }),
  }
  const plan = resolveLabOptions(options)
  const seed = flags.seed ?? randomSeed()
  const direction = flags.direction ?? 'both'
  const progress = createProgressDisplay(io.stderr, io.isTTY.stderr && !flags.json)
  const runs: LabRun[] = []
  const traces: LabTrace[] = []
  const captures: string[] = []
  let description: string | undefined
  try {
    for (const transport of transports) {
      const capture =
        flags.capture === undefined
          ? undefined
          : transports.length === 1
            ? flags.capture
            : flags.capture.replace(/(\.pcap(ng)?)?$/, (extension) => `-${transport}${extension || '.pcap'}`)
      if (capture !== undefined) captures.push(capture)
      const result = await runPacketLink(
        {
          impairment,
          seed,
          direction,
          runArgs: runArgs(transport, plan),
          controlPort: DEFAULT_LAB_PORT,
          ...(capture === undefined ? {} : { capture: resolve(capture) }),
        },
        {
          protolab: [process.execPath, cliEntry()],
          signal: io.signal,
          onOutputLine: (line) => forwardProgress(line, progress.onProgress),
          onLink: (text) => {
            if (description === undefined && !flags.json) {
              io.stderr.write(`lab: ${describeWorkload(options)}, over the ${text}\n`)
            }
            description = text
          },
        },
      )
      const none = Object.keys(impairment).length === 0
      for (const run of result.runs) {
        runs.push({
          ...run,
          impairment: none ? null : impairment,
          seed,
          link: 'packet',
          packetLink: result.counts,
        })
      }
      traces.push(...result.traces)
    }
  } finally {
    progress.stop()
  }
  const notes = packetLinkNotes(runs, direction)
  const report = { runs, traces }
  if (flags.json) {
    await writeAndDrain(io.stdout, renderJson(report))
  } else {
    const color = io.isTTY.stdout && io.env.NO_COLOR === undefined
    await writeAndDrain(io.stdout, renderTable(runs, { color, notes }))
  }
  if (flags.log !== undefined) await writeCsvLog(flags.log, traces, io.stderr)
  if (flags.report !== undefined) {
    await writeHtml(flags.report, report, {
      command: `lab --link packet, ${describeWorkload(options)}`,
      notes,
    })
    io.stderr.write(`report: ${resolve(flags.report)}\n`)
  }
  for (const capture of captures) io.stderr.write(`capture: ${resolve(capture)}\n`)
}

/** The impairment flags as one datagram impairment, applied to every transport's packets. */
function packetImpairment(flags: LabFlags): DatagramImpairment {
  const lab = impairmentFromFlags(flags, 'both')
  const impairment: { -readonly [K in keyof DatagramImpairment]: DatagramImpairment[K] } = {}
  for (const key of [
    'loss',
    'lossModel',
    'lossBurst',
    'duplicate',
    'reorder',
    'reorderGap',
    'delayMs',
    'jitterMs',
    'rateLimitBytesPerSec',
    'corrupt',
  ] as const) {
    if (lab[key] !== undefined) (impairment as Record<string, unknown>)[key] = lab[key]
  }
  return impairment
}

/** The lines under the table: what the link did, per run, and whose losses were whose. */
export function packetLinkNotes(runs: readonly LabRun[], direction: PacketLinkDirection): string[] {
  const notes = [
    `packet link: the kernel's own UDP and TCP between two network namespaces; every IP packet crosses the seeded impairer (${direction === 'both' ? 'both ways' : 'sender → receiver only'})`,
  ]
  for (const run of runs) {
    const counts = run.packetLink
    if (counts === undefined) continue
    notes.push(`${run.transport} link: ${describeCounts(counts)}`)
  }
  return notes
}

function describeCounts(counts: PacketLinkCounts): string {
  const { forward, backward } = counts
  const parts = [`${formatCount(forward.frames)} frames →, ${formatCount(backward.frames)} ←`]
  const add = (count: number, text: string): void => {
    if (count > 0) parts.push(`${formatCount(count)} ${text}`)
  }
  add(forward.lost + backward.lost, 'lost by the impairment')
  add(forward.queueDrops + backward.queueDrops, 'dropped by the rate limit queue')
  add(forward.duplicated + backward.duplicated, 'duplicated')
  add(forward.reordered + backward.reordered, 'reordered')
  add(forward.corrupted + backward.corrupted, 'corrupted')
  add(
    counts.udpChecksumErrors + counts.tcpChecksumErrors,
    'dropped by the receiving kernel for a bad checksum',
  )
  add(counts.receiverBufferDrops, "dropped by the receiver's socket buffer")
  const tcp = counts.tcpKernel
  add(
    tcp.RetransSegs,
    `TCP segments retransmitted by the kernel (${formatCount(tcp.TCPFastRetrans)} fast, ${formatCount(tcp.TCPTimeouts)} timeouts)`,
  )
  add(tcp.TCPDSACKOldSent + tcp.TCPDSACKOfoSent, 'duplicate TCP segments reported (D-SACK)')
  add(tcp.TCPSACKReorder + tcp.TCPTSReorder, 'TCP reorderings detected')
  parts.push(
    counts.pathDrops === 0
      ? 'the link itself dropped none'
      : `the link itself dropped ${formatCount(counts.pathDrops)} (${formatCount(counts.socketDrops)} in its socket buffers)`,
  )
  return parts.join(', ')
}

/** The `lab run` flags of one transport's workload. */
function runArgs(transport: LabTransportName, plan: ReturnType<typeof resolveLabOptions>): string[] {
  const args = ['-t', transport, '--count', String(plan.count), '--size', String(plan.size)]
  args.push('--rate', String(plan.rate), '--mode', plan.mode)
  if (plan.durationMs !== undefined) args.push('--duration', `${plan.durationMs}ms`)
  if (plan.recvBufferBytes !== undefined) args.push('--recv-buffer', String(plan.recvBufferBytes))
  if (plan.trace) args.push('--trace')
  return args
}

function forwardProgress(line: string, onProgress: (progress: LabProgress) => void): void {
  if (!line.startsWith('{')) return
  try {
    const parsed = JSON.parse(line) as { progress?: LabProgress }
    if (parsed.progress !== undefined) onProgress(parsed.progress)
  } catch {
    // Not a progress line.
  }
}
