import type {
  DatagramImpairment,
  FlowAggregate,
  FlowPacing,
  FlowShare,
  LabMetrics,
  LostBy,
  StreamImpairment,
} from '@protolab/core'
import type { LabLink, LabMode, LabTransportName } from './types.js'

/**
 * One flow of a run of several flows at once (`--parallel`, `--flows`): the JSON of
 * `flows[i]` (documented in the cli README, "lab JSON: flows"). Its counts and measurements are
 * core's {@link LabMetrics} over its own session and sequence space.
 */
export interface LabFlowRun extends LabMetrics {
  /** 1, 2, … in the order the flows were asked for. */
  readonly id: number
  readonly transport: LabTransportName
  /** The receiver's port this flow's messages went to, where known (across hosts, on the packet link). */
  readonly receiverPort?: number
  /** The pacing asked for; null: as fast as the transport took the messages. */
  readonly rate: FlowPacing | null
  /** Delivered payload bits per second, over the flow's own duration: what fairness compares. */
  readonly bitsPerSec: number
  /** The flow's part of what was delivered, and of the bottleneck when its rate is known. */
  readonly share: FlowShare
  /** On the packet link: where this flow's lost messages went; the values add up to `lost`. */
  readonly lostBy?: LostBy
  /**
   * On the packet link: this flow's packets the link dropped on the way to the receiver, by the
   * impairment and by the full bottleneck queue. For TCP they are segments the kernel then sent again.
   */
  readonly linkDrops?: { readonly impairment: number; readonly queue: number }
  /** TCP, where the kernel's numbers could be read: segments this flow's sender retransmitted. */
  readonly retransmits?: number
  /** TCP, where read: this flow's smoothed round-trip time, ms. */
  readonly rttMs?: number
  /** TCP, where read: this flow's congestion window at the end, in segments. */
  readonly cwnd?: number
}

/** How fair the flows of a run were to each other: the JSON's `fairness`. */
export interface LabFairness {
  /** Jain's index of the flows' delivered bit rates: 1 all equal, 1/n one flow got everything. */
  readonly jainIndex: number
  /** The bottleneck's rate (the link's rate limit), bit/s; null when the link has none. */
  readonly bottleneckBitsPerSec: number | null
  /** The aggregate's bit/s over the bottleneck's rate; null without one. */
  readonly utilisation: number | null
}

/**
 * What the flows of a run had in common on their link, said plainly: on the relay link each flow
 * has its own impairment decisions and its own rate limit (no queue is shared), while the relay's
 * process and socket and the receiver's socket are; on the packet link one queue is crossed by all.
 */
export interface LabFlowSharing {
  /** True when every flow crossed one bottleneck queue (so fairness means competition). */
  readonly bottleneck: boolean
  /** One sentence: what was shared and what was modelled per flow. */
  readonly note: string
}

/**
 * A run of several flows at once over one link, between the same two ends: one element of the
 * JSON's `runs` when `--parallel` or `--flows` was given. `-t both --parallel n` gives one such
 * run per transport, one after the other; `--flows udp:1,tcp:2` one run with both transports.
 */
export interface LabFlowsRun {
  /** The transports of the run's flows, each once, in the order first asked for. */
  readonly transports: readonly LabTransportName[]
  readonly mode: LabMode
  /**
   * Per transport, the impairment its flows met (on the relay link each flow has its own decisions;
   * on the packet link every transport's packets meet the one datagram impairment); null with none.
   */
  readonly impairment: Partial<Record<LabTransportName, DatagramImpairment | StreamImpairment>> | null
  readonly seed: number
  readonly link: LabLink
  readonly sharing: LabFlowSharing
  readonly flows: readonly LabFlowRun[]
  readonly aggregate: FlowAggregate
  readonly fairness: LabFairness
}

/** The `--json` document of a lab with several flows: `{ "runs": [...] }` as ever, each run a {@link LabFlowsRun}. */
export interface LabFlowsJson {
  readonly runs: readonly LabFlowsRun[]
}
