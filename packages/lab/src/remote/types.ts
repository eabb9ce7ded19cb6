import type { LabFlowsRun } from '../runner/flow-types.js'
import type { LabRun, LabTrace } from '../runner/types.js'

/**
 * A run between `lab run` and `lab serve`, or over the kernel link: a {@link LabRun} with `link`
 * and `direction` set, and for TCP the kernel's numbers of the sender's connection.
 * @deprecated There is one run type: use {@link LabRun}.
 */
export type RemoteLabRun = LabRun

/** The result of a remote lab: one run per transport and direction, and traces when asked for. */
export interface RemoteLabReport {
  readonly runs: readonly LabRun[]
  /** One per run, same order, with `trace: true`. */
  readonly traces: readonly LabTrace[]
  /**
   * With `parallel`: per transport, its flows as one run of flows (each flow's numbers, the
   * aggregate, fairness), in the order of `runs`, whose flows they are.
   */
  readonly flowRuns?: readonly LabFlowsRun[]
}
