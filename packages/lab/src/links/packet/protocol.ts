import type { DatagramImpairment, FlowPlan } from '@protolab/core'
import type { FlowsLinkContext } from '../../runner/flows-result.js'
import type { PlannedWorkload } from '../../runner/options.js'
import type { LabTransportName } from '../../runner/transport-name.js'
import type { PacketLinkCounts } from './counts.js'
import type { PacketLinkDirection } from './frame-relay.js'

/** The addresses of the two ends, inside their namespaces (a /24 that exists only there). */
export const SENDER_ADDRESS = '10.77.0.1'
export const RECEIVER_ADDRESS = '10.77.0.2'
/** Their IPv6 addresses, for an IPv6 run (a unique local /64 that exists only there). */
export const SENDER_ADDRESS_6 = 'fd77::1'
export const RECEIVER_ADDRESS_6 = 'fd77::2'

/** One transport's workload across the packet link: the lab's options, checked and defaulted. */
export interface PacketWorkload extends PlannedWorkload {
  readonly transport: LabTransportName
  /**
   * Several flows at once instead of one (`--parallel`, `--flows`): each paced at its own rate
   * (`rate` is then unused), all crossing the link together; `link` is how their run describes it.
   */
  readonly flows?: { readonly plan: FlowPlan<LabTransportName>; readonly link: FlowsLinkContext }
}

/** What the lab process asks the link host to do: one JSON line on the host's stdin. */
export interface HostPlan {
  /** The Node.js executable, and the lab's packet link entry it runs the lab's roles with. */
  readonly node: string
  readonly entry: string
  readonly impairment: DatagramImpairment
  readonly seed: number
  readonly direction: PacketLinkDirection
  /** What the sender sends across the link. */
  readonly workload: PacketWorkload
  /** Where the sending role writes its report. */
  readonly resultsFile: string
  /** The lab's control port: its frames pass unimpaired. */
  readonly controlPort: number
  /** The IP version the lab's ends talk over (IPv6: the namespaces get their IPv6 addresses too). */
  readonly family: 4 | 6
  /** Record the sender's packets into this pcap file (tcpdump in the sender's namespace). */
  readonly capture?: string
}

/** A line the link host writes on its stdout. */
export type HostMessage =
  | { readonly type: 'ready'; readonly description: string }
  | { readonly type: 'progress'; readonly line: string }
  | { readonly type: 'done'; readonly counts: PacketLinkCounts }
  | { readonly type: 'error'; readonly message: string }
