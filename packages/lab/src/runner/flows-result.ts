import {
  aggregateFlows,
  attributeLoss,
  type FlowSpec,
  fairness,
  flowBitsPerSec,
  InvalidArgumentError,
  type LossCounts,
  labMetricsFromSummary,
  planTransports,
  type ReceiverSummary,
} from '@protolab/core'
import type { LabFlowRun, LabFlowSharing, LabFlowsRun } from './flow-types.js'
import type { LabTransportName } from './types.js'

/** What one flow ended with, as its sender and receiver measured it. */
export interface FlowMeasurement {
  readonly spec: FlowSpec<LabTransportName>
  /** Messages its sender handed to the transport. */
  readonly sent: number
  /** Its receiver's summary (the sender's echo counter's, in round-trip mode). */
  readonly summary: ReceiverSummary
  /** TCP: the kernel's numbers of its sender's connection, where they were read. */
  readonly tcp?: { readonly retransmits: number; readonly rttMs: number; readonly cwnd: number }
  /** The port its messages were sent to, where the run knows it (across hosts, on the packet link). */
  readonly receiverPort?: number | undefined
  /** What the counters of its two ends say was dropped where, when they were read. */
  readonly lossCounts?: LossCounts | undefined
}

/** What lay between the flows' two ends, as a run of flows describes it. */
export type FlowsLinkContext = Pick<
  FlowsRunContext,
  'link' | 'impairment' | 'sharing' | 'bottleneckBitsPerSec'
>

/** How the run of flows was made, for {@link flowsRun}. */
export interface FlowsRunContext
  extends Pick<LabFlowsRun, 'mode' | 'impairment' | 'seed' | 'link' | 'sharing'> {
  /** The bottleneck's rate in bit/s, when the link has one that every flow crosses. */
  readonly bottleneckBitsPerSec?: number | undefined
  /** Messages the shared receiver got that matched no flow's session. */
  readonly unclaimedForeign?: number
  /** Damaged envelopes the shared receiver could give to no flow. */
  readonly unclaimedCorrupted?: number
}

/**
 * The result of a run of flows from what each flow measured: each flow's metrics, the aggregate
 * (core's `aggregateFlows`) and fairness (core's `fairness`, Jain's index over delivered bit rates).
 * Pure.
 *
 * @throws InvalidArgumentError for no flows
 */
export function flowsRun(measurements: readonly FlowMeasurement[], context: FlowsRunContext): LabFlowsRun {
  if (measurements.length === 0) throw new InvalidArgumentError('a run of flows needs at least one flow')
  const aggregate = aggregateFlows(measurements, {
    unclaimedForeign: context.unclaimedForeign ?? 0,
    unclaimedCorrupted: context.unclaimedCorrupted ?? 0,
  })
  const rates = measurements.map(({ summary }) => flowBitsPerSec(summary))
  // Shares of a bottleneck only mean something when every flow crossed it.
  const bottleneck = context.sharing.bottleneck ? context.bottleneckBitsPerSec : undefined
  const fair = fairness(
    measurements.map(({ summary }, i) => ({
      deliveredBits: summary.payloadBytes * 8,
      bitsPerSec: rates[i]!,
    })),
    aggregate.bitsPerSec,
    bottleneck,
  )
  const flows: LabFlowRun[] = measurements.map(
    ({ spec, sent, summary, tcp, receiverPort, lossCounts }, i) => {
      const metrics = labMetricsFromSummary(summary, sent)
      return {
        id: spec.id,
        transport: spec.transport,
        ...(receiverPort === undefined ? {} : { receiverPort }),
        rate: spec.rate ?? null,
        ...metrics,
        ...(lossCounts === undefined ? {} : { lostBy: attributeLoss(metrics.lost, lossCounts) }),
        bitsPerSec: Math.round(rates[i]! * 100) / 100,
        share: fair.shares[i]!,
        ...(tcp === undefined ? {} : { retransmits: tcp.retransmits, rttMs: tcp.rttMs, cwnd: tcp.cwnd }),
      }
    },
  )
  return {
    transports: planTransports({ flows: measurements.map(({ spec }) => spec) }),
    mode: context.mode,
    impairment: context.impairment,
    seed: context.seed,
    link: context.link,
    sharing: context.sharing,
    flows,
    aggregate,
    fairness: {
      jainIndex: fair.jainIndex,
      bottleneckBitsPerSec: fair.bottleneckBitsPerSec,
      utilisation: fair.utilisation,
    },
  }
}

/** What the flows of a run share on the relay link (see {@link LabFlowSharing}). */
export const RELAY_LINK_SHARING: LabFlowSharing = {
  bottleneck: false,
  note:
    'on the relay link the flows share one relay process and its listening socket, and the ' +
    "receiver's socket; each flow has its own impairment decisions and its own rate limit, so no " +
    'queue is shared and fairness here shows the hosts, not congestion control',
}
