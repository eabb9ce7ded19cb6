/**
 * 7. CLI cold start: wall time of `node packages/cli/dist/bin.js --help` against `node -e 0`, the
 * two alternated so both meet the same machine load; medians after a warm-up of the file cache.
 */
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { waitForFiles } from './lib/proc.mjs'
import { check, resultRow } from './lib/result.mjs'
import { elapsedNs, median, nowNs } from './lib/stats.mjs'

const BIN = fileURLToPath(new URL('../packages/cli/dist/bin.js', import.meta.url))
const WARM_UP_RUNS = 2
const RUNS = 15
const RUN_TIMEOUT_MS = 10_000
/** How long to wait for a dist/ that a concurrent build is rewriting. */
const DIST_WAIT_MS = 60_000

/** Runs the group; returns its rows. */
export async function run() {
  await waitForFiles([BIN], DIST_WAIT_MS)
  const commands = {
    cli: [process.execPath, [BIN, '--help']],
    node: [process.execPath, ['-e', '0']],
  }
  const millis = { cli: [], node: [] }
  for (let i = 0; i < WARM_UP_RUNS + RUNS; i++) {
    for (const name of Object.keys(commands)) {
      const time = timeRun(...commands[name])
      if (i >= WARM_UP_RUNS) millis[name].push(time)
    }
  }
  return {
    rows: [
      resultRow({
        name: 'CLI cold start (protolab --help)',
        value: median(millis.cli),
        unit: 'ms',
        baseline: 'node -e 0',
        baselineValue: median(millis.node),
        checks: [check('ratio', '<=', 2.5)],
      }),
    ],
    notes: [`CLI: median wall time of ${RUNS} runs each, alternated, after ${WARM_UP_RUNS} warm-up runs.`],
  }
}

function timeRun(command, args) {
  const startNs = nowNs()
  const result = spawnSync(command, args, { stdio: ['ignore', 'ignore', 'pipe'], timeout: RUN_TIMEOUT_MS })
  const millis = elapsedNs(startNs) / 1e6
  if (result.status !== 0) {
    throw new Error(
      `${[command, ...args].join(' ')} exited ${result.status}: ${String(result.stderr).trim()}`,
    )
  }
  return millis
}
