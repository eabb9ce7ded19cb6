import { resolve } from 'node:path'
import type { DatagramImpairment, LabInterval } from '@protolab/core'
import { DEFAULT_LAB_PORT } from '../../remote/server.js'
import type { IntervalListener } from '../../runner/intervals.js'
import { type LabPlan, workloadOf } from '../../runner/options.js'
import type { LabProgress, LabReport, LabRun, LabTrace, LabTransportName } from '../../runner/types.js'
import { withPacketLinkLosses } from './lost-by.js'
import { packetLinkNotes } from './notes.js'
import { runPacketLink } from './run.js'

/** Per-call options of {@link runPacketLab}. */
export interface RunPacketLabContext {
  readonly signal?: AbortSignal | undefined
  readonly onProgress?: ((progress: LabProgress) => void) | undefined
  /** Told once per transport, when its link is up: the link in one line. */
  readonly onLink?: ((transport: LabTransportName, description: string) => void) | undefined
  /** With the plan's `intervalMs`: told of each interval as it closes. */
  readonly onInterval?: IntervalListener | undefined
}

/** The datagram impairment keys: what the packet link's impairer acts on, packet by packet. */
const PACKET_KEYS = [
  'loss',
  'lossModel',
  'lossBurst',
  'duplicate',
  'reorder',
  'reorderGap',
  'delayMs',
  'jitterMs',
  'rateLimitBytesPerSec',
  'queuePackets',
  'corrupt',
] as const

/**
 * The lab over the packet link: one link per transport, the same seed and impairment for each,
 * reported as a local run is, with the kernel's TCP numbers and the link's own counts, and notes
 * that say what the link did. With `capture`, each transport's link records the sender's packets
 * (`name-udp.pcap` and `name-tcp.pcap` when there are two).
 */
export async function runPacketLab(
  plan: LabPlan,
  seed: number,
  context: RunPacketLabContext = {},
): Promise<LabReport> {
  const impairment = packetImpairment(plan)
  const none = Object.keys(impairment).length === 0
  const runs: LabRun[] = []
  const traces: LabTrace[] = []
  const captures: string[] = []
  for (const transport of plan.transports) {
    const capture = captureFile(plan.capture, transport, plan.transports.length)
    if (capture !== undefined) captures.push(capture)
    const result = await runPacketLink(
      {
        impairment,
        seed,
        direction: plan.packetDirection,
        workload: { transport, ...workloadOf(plan) },
        controlPort: DEFAULT_LAB_PORT,
        family: plan.host === '::1' ? 6 : 4,
        ...(capture === undefined ? {} : { capture }),
      },
      {
        signal: context.signal,
        onOutputLine: (line) => forwardProgress(line, transport, context),
        onLink: (description) => context.onLink?.(transport, description),
      },
    )
    for (const run of result.runs) {
      runs.push(
        withPacketLinkLosses(
          { ...run, impairment: none ? null : impairment, seed, link: 'packet', packetLink: result.counts },
          result.counts,
        ),
      )
    }
    traces.push(...result.traces)
  }
  return { runs, traces, notes: packetLinkNotes(runs, plan.packetDirection), captures }
}

/** The plan's impairment as one datagram impairment, applied to every transport's packets. */
export function packetImpairment(plan: Pick<LabPlan, 'impairment'>): DatagramImpairment {
  const impairment: Record<string, unknown> = {}
  for (const key of PACKET_KEYS) {
    if (plan.impairment[key] !== undefined) impairment[key] = plan.impairment[key]
  }
  return impairment as DatagramImpairment
}

/**
 * The pcap file of one of `runs` runs that record into `file`: `file` itself for one run, else
 * `name-udp.pcap`, `name-tcp.pcap` (by each run's transport), resolved.
 */
export function captureFile(
  file: string | undefined,
  transport: LabTransportName,
  runs: number,
): string | undefined {
  if (file === undefined) return undefined
  const named =
    runs === 1 ? file : file.replace(/(\.pcap(ng)?)?$/, (extension) => `-${transport}${extension || '.pcap'}`)
  return resolve(named)
}

/** A line of the sending role: its progress, or an interval as it closed. */
function forwardProgress(line: string, transport: LabTransportName, context: RunPacketLabContext): void {
  if (!line.startsWith('{')) return
  try {
    const parsed = JSON.parse(line) as { progress?: LabProgress; interval?: LabInterval }
    if (parsed.progress !== undefined) context.onProgress?.(parsed.progress)
    if (parsed.interval !== undefined) context.onInterval?.(transport, parsed.interval)
  } catch {
    // Not a line of the role's.
  }
}
