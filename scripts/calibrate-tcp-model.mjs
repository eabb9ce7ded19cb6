#!/usr/bin/env node
/**
 * Calibrates the relay's modelled TCP against real TCP on the packet link (issue 13, item 7):
 * the grid loss ∈ {1%, 5%} × delay ∈ {5, 20} ms each way, 2,000 messages/s of 64 B, 10,000
 * messages, one seed; for each cell, TCP once through the proxy link (core's stream impairer
 * models the loss) and once through the packet link (the kernel's own TCP, every packet through
 * the seeded impairer, both ways). Prints model and real p50/p99 and their ratios, as a Markdown
 * table; exits 1 when a ratio is outside 1/2..2, 2 when the packet link cannot run here.
 *
 *   pnpm build && node scripts/calibrate-tcp-model.mjs [--seed N] [--count N] [--json]
 *
 * `packages/lab/test/packet-link-calibration.test.ts` runs it in CI.
 */
import { parseArgs } from 'node:util'
import { packetLinkSupport, runLab } from '../packages/lab/dist/index.js'

const { values } = parseArgs({
  options: {
    seed: { type: 'string', default: '3' },
    count: { type: 'string', default: '10000' },
    rate: { type: 'string', default: '2000' },
    json: { type: 'boolean', default: false },
  },
})
const seed = Number(values.seed)
const count = Number(values.count)
const rate = Number(values.rate)
const LOSSES = [0.01, 0.05]
const DELAYS_MS = [5, 20]
/** The model is faithful when each of its percentiles is within this factor of real TCP's. */
const WITHIN = 2

const support = packetLinkSupport()
if (support.problem !== undefined) {
  process.stderr.write(`calibrate: ${support.problem.message}\n`)
  process.exit(2)
}

/** TCP's one-way latency percentiles over one link for one cell. */
async function measure(link, loss, delayMs) {
  const report = await runLab({
    transports: ['tcp'],
    count,
    size: 64,
    rate,
    seed,
    link,
    impairment: { loss, delayMs },
  })
  const run = report.runs[0]
  if (run.delivered !== count) throw new Error(`${link} link delivered ${run.delivered} of ${count}`)
  return { p50: run.latencyMs.p50, p99: run.latencyMs.p99, retransmits: run.retransmits }
}

const cells = []
for (const loss of LOSSES) {
  for (const delayMs of DELAYS_MS) {
    process.stderr.write(`calibrate: loss ${loss * 100}%, delay ${delayMs} ms each way...\n`)
    const model = await measure('proxy', loss, delayMs)
    const real = await measure('packet', loss, delayMs)
    const ratio50 = model.p50 / real.p50
    const ratio99 = model.p99 / real.p99
    const within = [ratio50, ratio99].every((ratio) => ratio >= 1 / WITHIN && ratio <= WITHIN)
    cells.push({ loss, delayMs, model, real, ratio50, ratio99, within })
  }
}

if (values.json) {
  process.stdout.write(`${JSON.stringify({ seed, count, rate, cells }, null, 2)}\n`)
} else {
  const ms = (value) => value.toFixed(value < 10 ? 2 : 1)
  const lines = [
    `TCP, ${count.toLocaleString('en')} messages of 64 B at ${rate.toLocaleString('en')}/s, seed ${seed}; one-way latency in ms`,
    '',
    '| loss | delay each way | model p50 | real p50 | ratio | model p99 | real p99 | ratio | real retransmits | within 2× |',
    '|---|---|---|---|---|---|---|---|---|---|',
  ]
  for (const cell of cells) {
    lines.push(
      `| ${cell.loss * 100}% | ${cell.delayMs} ms | ${ms(cell.model.p50)} | ${ms(cell.real.p50)} | ${cell.ratio50.toFixed(2)} | ${ms(cell.model.p99)} | ${ms(cell.real.p99)} | ${cell.ratio99.toFixed(2)} | ${cell.real.retransmits ?? '?'} | ${cell.within ? 'yes' : 'no'} |`,
    )
  }
  process.stdout.write(`${lines.join('\n')}\n`)
}
process.exit(cells.every((cell) => cell.within) ? 0 : 1)
