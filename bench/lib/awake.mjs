import { spawn, spawnSync } from 'node:child_process'
import os from 'node:os'
import { pinToCpu } from './affinity.mjs'

/** A spinner gives up by itself after this long, so an interrupted run leaves nothing spinning. */
const MAX_SPIN_MS = 120_000

/**
 * Keeps every CPU busy with a spinner at the lowest priority there is (SCHED_IDLE through chrt, else
 * nice 19), which any other process preempts at once. On a virtual machine an idle vCPU takes tens of
 * µs to wake (a halt and a trip through the host), which swamps the few µs a latency benchmark
 * compares; spinners keep the vCPUs out of halt. Resolves to `stop()`.
 */
export async function keepCpusAwake() {
  const useChrt = spawnSync('chrt', ['-i', '0', 'true'], { stdio: 'ignore' }).status === 0
  const script = `const end = Date.now() + ${MAX_SPIN_MS}; while (Date.now() < end) {}`
  const spinners = []
  for (let cpu = 0; cpu < os.cpus().length; cpu++) {
    const command = useChrt ? 'chrt' : 'nice'
    const args = useChrt
      ? ['-i', '0', process.execPath, '-e', script]
      : ['-n', '19', process.execPath, '-e', script]
    const spinner = spawn(command, args, { stdio: 'ignore' })
    // One on each CPU, wherever the benchmark's own processes are pinned.
    if (spinner.pid !== undefined) pinToCpu(spinner.pid, cpu)
    spinners.push(spinner)
  }
  const exits = spinners.map((child) => new Promise((resolve) => child.once('exit', resolve)))
  const onExit = () => {
    for (const child of spinners) child.kill('SIGKILL')
  }
  process.once('exit', onExit)
  return {
    how: useChrt ? 'SCHED_IDLE' : 'nice 19',
    async stop() {
      process.off('exit', onExit)
      for (const child of spinners) child.kill('SIGKILL')
      await Promise.all(exits)
    },
  }
}
