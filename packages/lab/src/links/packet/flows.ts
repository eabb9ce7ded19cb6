import { resolve } from 'node:path'
import { attributeLoss, describeDatagramImpairment, type FlowPlan, planTransports } from '@protolab/core'
import { DEFAULT_LAB_PORT } from '../../remote/server.js'
import type { LabFlowRun, LabFlowSharing, LabFlowsRun } from '../../runner/flow-types.js'
import { type LabPlan, workloadOf } from '../../runner/options.js'
import type { LabTrace, LabTransportName } from '../../runner/types.js'
import type { PacketLinkCounts } from './counts.js'
import type { PortCounts } from './frame-relay.js'
import { packetImpairment } from './lab.js'
import { describePacketLinkCounts, packetLinkNotes } from './notes.js'
import { runPacketLink } from './run.js'

/** The intervals of a run of flows on the packet link when `--interval` asks for none. */
const FLOW_INTERVAL_MS = 1000

/** Per-call options of {@link runPacketFlows}. */
export interface RunPacketFlowsContext {
  readonly signal?: AbortSignal | undefined
  /** Told once, when the link is up: the link in one line. */
  readonly onLink?: ((description: string) => void) | undefined
}

/** A run of flows over the packet link, and what the link did. */
export interface PacketFlowsOutcome {
  readonly run: LabFlowsRun
  /** With the plan's `trace`: each flow's per-message data, in flow order. */
  readonly traces: readonly LabTrace[]
  readonly counts: PacketLinkCounts
  /** The lines under the table: what the link did, and what the flows shared. */
  readonly notes: readonly string[]
  /** With the plan's `capture`: the pcap file of the sender's packets, every flow's. */
  readonly captures: readonly string[]
}

/**
 * Runs several flows at once over the packet link: each transport's flows in one session of
 * `lab serve`/`lab run` between the two namespaces, all sessions at once, so every flow's packets
 * cross the one seeded impairer and, with a rate limit, the one drop-tail queue (`queuePackets`)
 * in front of it: a shared bottleneck, where the kernel's own TCP competes with UDP. Each flow's
 * lost messages are attributed from what the link counted at its data port.
 *
 * @throws LabError where the packet link cannot run or fails
 * @throws AbortError when `signal` aborts
 */
export async function runPacketFlows(
  plan: LabPlan,
  flows: FlowPlan<LabTransportName>,
  seed: number,
  context: RunPacketFlowsContext = {},
): Promise<PacketFlowsOutcome> {
  const impairment = packetImpairment(plan)
  const none = Object.keys(impairment).length === 0
  const rate = impairment.rateLimitBytesPerSec ?? 0
  const transports = planTransports(flows)
  const capture = plan.capture === undefined ? undefined : resolve(plan.capture)
  const result = await runPacketLink(
    {
      impairment,
      seed,
      direction: plan.packetDirection,
      workload: {
        transport: transports[0]!,
        ...workloadOf(plan),
        rate: 0,
        // Intervals give each flow its kernel's TCP numbers over time and, with a duration, what it
        // delivered within it (what fairness compares).
        intervalMs: plan.intervalMs ?? FLOW_INTERVAL_MS,
        flows: {
          plan: flows,
          link: {
            link: 'packet',
            impairment: none ? null : Object.fromEntries(transports.map((name) => [name, impairment])),
            sharing: packetLinkSharing(rate, impairment.queuePackets),
            ...(rate > 0 ? { bottleneckBitsPerSec: rate * 8 } : {}),
          },
        },
      },
      controlPort: DEFAULT_LAB_PORT,
      family: plan.host === '::1' ? 6 : 4,
      ...(capture === undefined ? {} : { capture }),
    },
    { signal: context.signal, onLink: context.onLink },
  )
  const run = result.flowRuns[0]
  if (run === undefined) throw new Error('the packet link returned no run of flows')
  const counts = result.counts
  return {
    run: { ...run, seed, flows: run.flows.map((flow) => withLinkDrops(flow, counts.ports)) },
    counts,
    traces: result.traces,
    captures: capture === undefined ? [] : [capture],
    notes: [
      ...packetLinkNotes([], plan.packetDirection),
      `link: ${describePacketLinkCounts(counts)}`,
      run.sharing.note,
    ],
  }
}

/** What the flows share on the packet link, in one sentence (see {@link LabFlowSharing}). */
export function packetLinkSharing(rateBytesPerSec: number, queuePackets: number | undefined): LabFlowSharing {
  if (rateBytesPerSec <= 0) {
    return {
      bottleneck: false,
      note:
        "on the packet link every flow's packets cross one seeded impairer; with no --rate-limit there " +
        'is no bottleneck queue, so the flows compete only for the hosts',
    }
  }
  const bottleneck = describeDatagramImpairment({
    rateLimitBytesPerSec: rateBytesPerSec,
    ...(queuePackets === undefined ? {} : { queuePackets }),
  })
  return {
    bottleneck: true,
    note: `on the packet link every flow's packets cross one bottleneck (${bottleneck}) and its one drop-tail queue, as at a router: the kernel's own TCP backs off there, UDP does not`,
  }
}

/**
 * A flow with what the link dropped on the way to its data port, and its lost messages attributed:
 * a UDP or KCP message is one frame at lab sizes below the MTU, so each dropped frame is one lost
 * datagram; TCP loses no message, its dropped segments are sent again by the kernel.
 */
function withLinkDrops(flow: LabFlowRun, ports: readonly PortCounts[]): LabFlowRun {
  if (flow.receiverPort === undefined) return flow
  const protocol = flow.transport === 'tcp' ? 'tcp' : 'udp'
  const port = ports.find((counts) => counts.protocol === protocol && counts.port === flow.receiverPort)
  const linkDrops = { impairment: port?.lost ?? 0, queue: port?.queueDrops ?? 0 }
  const lostBy = attributeLoss(flow.lost, {
    impairment: linkDrops.impairment,
    linkQueue: linkDrops.queue,
    receiverBuffer: flow.lostBy?.receiverBuffer,
    sender: flow.lostBy?.sender,
  })
  return { ...flow, lostBy, linkDrops }
}
