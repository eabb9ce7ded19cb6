import { LabError } from '../../errors.js'
import { KernelLinkError, runTool } from './exec.js'

/**
 * Whether this kernel has netem (sch_netem): tried for real, by adding a netem qdisc to the
 * loopback device of `namespace` (one of the link's own, so nothing outside is touched) and
 * removing it again. Some kernels are built without it (this is common in VMs and containers).
 * @throws KernelLinkError when tc fails for another reason
 */
export async function hasNetem(namespace: string): Promise<boolean> {
  try {
    await runTool('tc', ['-n', namespace, 'qdisc', 'add', 'dev', 'lo', 'root', 'netem', 'delay', '0ms'])
  } catch (error) {
    if (error instanceof KernelLinkError && /unknown|not found|no such file/i.test(error.stderr)) return false
    throw error
  }
  await runTool('tc', ['-n', namespace, 'qdisc', 'del', 'dev', 'lo', 'root']).catch(() => {})
  return true
}

/** The error for a kernel without netem when delay, jitter, reordering, duplication or corruption was asked for. */
export function noNetemError(): LabError {
  return new LabError(
    'ERR_UNSUPPORTED',
    'this kernel has no netem (sch_netem), which --delay, --jitter, --reorder, --dup and --corrupt need on the kernel link',
    { reason: 'kernel-link-no-netem' },
  )
}
