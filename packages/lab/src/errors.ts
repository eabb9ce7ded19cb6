import { type ErrorCode, ProtolabError } from '@protolab/core'

/**
 * What went wrong, more precisely than the code: a program (the CLI) picks its advice by it.
 *
 * | reason | code | thrown when |
 * | --- | --- | --- |
 * | `child-entry-missing` | `ERR_UNSUPPORTED` | the lab's child process file (`lab-child.js`) is not built |
 * | `namespace-entry-missing` | `ERR_UNSUPPORTED` | the kernel link's namespace process file (`lab-namespace.js`) is not built |
 * | `server-unreachable` | `ERR_PEER_UNREACHABLE` | no lab server answers at `detail.where` |
 * | `capture-tool-missing` | `ERR_UNSUPPORTED` | neither tcpdump nor dumpcap (or the one asked for) is installed |
 * | `capture-ip-missing` | `ERR_UNSUPPORTED` | capturing in a namespace needs `ip` (iproute2) |
 * | `capture-not-writing` | `ERR_PROCESS_FAILED` | the capture program never wrote its file |
 * | `capture-denied` | `ERR_PRIVILEGE` | the capture program exited for lack of privileges |
 * | `capture-exited` | `ERR_PROCESS_FAILED` | the capture program exited for another reason |
 * | `kernel-link-platform` | `ERR_INVALID_ARGUMENT` | the kernel link was asked for off Linux |
 * | `kernel-link-root` | `ERR_PRIVILEGE` | the kernel link was asked for without root |
 * | `kernel-link-tools` | `ERR_UNSUPPORTED` | iproute2 (or nft/iptables, for loss) is not installed |
 * | `kernel-link-relay-only` | `ERR_INVALID_ARGUMENT` | an impairment only the relay link can apply was asked of the kernel link |
 * | `kernel-link-reorder-delay` | `ERR_INVALID_ARGUMENT` | reordering was asked of the kernel link without a delay |
 * | `kernel-link-no-loss-tool` | `ERR_UNSUPPORTED` | loss was asked for and neither nft nor iptables works |
 * | `kernel-link-no-netem` | `ERR_UNSUPPORTED` | delay, reordering or duplication was asked for and the kernel has no netem |
 * | `packet-link-unavailable` | `ERR_UNSUPPORTED` | the packet link cannot run here (not Linux, a tool missing, no user namespaces and not root) |
 * | `packet-link-failed` | `ERR_PROCESS_FAILED` | the packet link failed while it ran (a command or a process inside it) |
 */
export type LabErrorReason =
  | 'child-entry-missing'
  | 'namespace-entry-missing'
  | 'server-unreachable'
  | 'capture-tool-missing'
  | 'capture-ip-missing'
  | 'capture-not-writing'
  | 'capture-denied'
  | 'capture-exited'
  | 'kernel-link-platform'
  | 'kernel-link-root'
  | 'kernel-link-tools'
  | 'kernel-link-relay-only'
  | 'kernel-link-reorder-delay'
  | 'kernel-link-no-loss-tool'
  | 'kernel-link-no-netem'
  | 'packet-link-unavailable'
  | 'packet-link-failed'

/** Construction options of a {@link LabError}. */
export interface LabErrorOptions {
  readonly reason?: LabErrorReason
  /** Facts a program may quote in its advice (`where` for `server-unreachable`). */
  readonly detail?: Readonly<Record<string, string>>
  readonly cause?: unknown
}

/** An error of the lab: a coded {@link ProtolabError}, with a finer {@link LabErrorReason} where one helps. */
export class LabError extends ProtolabError {
  override name = 'LabError'
  readonly reason: LabErrorReason | undefined
  readonly detail: Readonly<Record<string, string>>

  constructor(code: ErrorCode, message: string, options: LabErrorOptions = {}) {
    super(code, message, { cause: options.cause })
    this.reason = options.reason
    this.detail = options.detail ?? {}
  }
}
