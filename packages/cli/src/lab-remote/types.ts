import type { LabRun, LabTrace } from '../lab/types.js'
import type { FlowDirection } from './protocol.js'

/**
 * A run of the lab between `lab run` and `lab serve` (or over the kernel link): the fields of a
 * local run, plus the flow's direction and, for TCP, the kernel's numbers of the sender's
 * connection (from `ss -ti`; absent when they could not be read).
 */
export interface RemoteLabRun extends LabRun {
  /** `forward`: from the client (`lab run`) to the server (`lab serve`); `reverse`: from the server. */
  readonly direction: FlowDirection
  /** TCP: segments the sender retransmitted. */
  readonly retransmits?: number
  /** TCP: the sender's smoothed round-trip time, in ms. */
  readonly rttMs?: number
  /** TCP: the sender's congestion window at the end of the run, in segments. */
  readonly cwnd?: number
  /** `kernel` on runs over the kernel link (network namespaces, nftables, tc). */
  readonly link?: 'kernel'
}

/** The result of a remote lab: one run per transport and direction, and traces when asked for. */
export interface RemoteLabReport {
  readonly runs: readonly RemoteLabRun[]
  /** One per run, same order, with `trace: true`. */
  readonly traces: readonly LabTrace[]
}
