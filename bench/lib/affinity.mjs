import { spawnSync } from 'node:child_process'
import os from 'node:os'

/**
 * Pins every thread of process `pid` to CPU `cpu` with `taskset -a -p -c` (Linux, util-linux).
 * Returns false, changing nothing, where that is not possible (no taskset, fewer than two CPUs).
 * A sender and a receiver each on its own core then meet the same placement in every trial,
 * instead of sometimes sharing a core and sometimes not.
 */
export function pinToCpu(pid, cpu) {
  if (os.availableParallelism() < 2) return false
  const result = spawnSync('taskset', ['-a', '-p', '-c', String(cpu), String(pid)], { stdio: 'ignore' })
  return result.error === undefined && result.status === 0
}

/** Lets every thread of `pid` run on any CPU again (undoes {@link pinToCpu}). */
export function unpin(pid) {
  const cpus = `0-${os.availableParallelism() - 1}`
  spawnSync('taskset', ['-a', '-p', '-c', cpus, String(pid)], { stdio: 'ignore' })
}
