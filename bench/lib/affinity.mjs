import { spawnSync } from 'node:child_process'
import os from 'node:os'

/**
 * Every CPU of the machine, read once at load: os.availableParallelism() follows this process's
 * own affinity, so once pinned it would report one CPU.
 */
const CPU_COUNT = os.cpus().length

/**
 * Pins every thread of process `pid` to CPU `cpu` with `taskset -a -p -c` (Linux, util-linux).
 * Returns false, changing nothing, where that is not possible (no taskset, fewer than two CPUs).
 * A sender and a receiver each on its own core then meet the same placement in every trial,
 * instead of sometimes sharing a core and sometimes not.
 */
export function pinToCpu(pid, cpu) {
  if (CPU_COUNT < 2 || cpu >= CPU_COUNT) return false
  const result = spawnSync('taskset', ['-a', '-p', '-c', String(cpu), String(pid)], { stdio: 'ignore' })
  return result.error === undefined && result.status === 0
}

/** Lets every thread of `pid` run on any CPU again (undoes {@link pinToCpu}). */
export function unpin(pid) {
  spawnSync('taskset', ['-a', '-p', '-c', `0-${CPU_COUNT - 1}`, String(pid)], { stdio: 'ignore' })
}
