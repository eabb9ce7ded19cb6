/**
 * `pnpm bench [-- group...] [--reps N] [--minutes N]`: protolab's speed against raw sockets,
 * iperf3 and it-length-prefixed, every figure a ratio against a baseline measured in the same run.
 * Prints a Markdown table and writes bench/results.json (an array of result rows, lib/result.mjs).
 *
 * Groups: udp tcp framing text latency kcp lab cli (all by default, in that order), packet (the packet
 * link: frames/s and TCP goodput; only when named, it needs namespaces), and soak (ten
 * minutes of traffic with memory sampled; only when named, `--minutes` sets its length).
 */
import { readFileSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import { fileURLToPath } from 'node:url'
import { stopAllPeers } from './lib/child.mjs'
import { elapsedNs, nowNs } from './lib/stats.mjs'
import { renderTable } from './lib/table.mjs'

const DEFAULT_GROUPS = ['udp', 'tcp', 'framing', 'text', 'latency', 'kcp', 'lab', 'cli']
const ALL_GROUPS = [...DEFAULT_GROUPS, 'packet', 'soak']
const RESULTS_FILE = fileURLToPath(new URL('./results.json', import.meta.url))
const USAGE = `usage: pnpm bench [-- ${ALL_GROUPS.join('|')} ...] [--reps N] [--minutes N]`

const options = parseArgs(process.argv.slice(2))
const machine = describeMachine()
process.stderr.write(`protolab bench on ${machine.summary}\n`)

const rows = []
const notes = []
const failures = []
const runStartNs = nowNs()
for (const group of options.groups) {
  const groupStartNs = nowNs()
  process.stderr.write(`${group} ...`)
  try {
    const module = await import(`./${group}.mjs`)
    const result = await module.run(options)
    rows.push(...result.rows)
    notes.push(...(result.notes ?? []))
    process.stderr.write(` ${(elapsedNs(groupStartNs) / 1e9).toFixed(1)} s\n`)
  } catch (error) {
    failures.push(`${group}: ${error?.stack ?? error}`)
    process.stderr.write(` failed\n`)
  }
  await stopAllPeers()
}

process.stdout.write(`\nMachine: ${machine.summary}\n\n${renderTable(rows)}\n\n`)
for (const note of notes) process.stdout.write(`- ${note}\n`)
const unmet = rows.filter((row) => row.met === false).map((row) => row.name)
process.stdout.write(
  `\n${rows.filter((row) => row.met === true).length} targets met, ${unmet.length} not met` +
    `${unmet.length > 0 ? `: ${unmet.join('; ')}` : ''}. Total ${(elapsedNs(runStartNs) / 1e9).toFixed(1)} s.\n`,
)
writeFileSync(RESULTS_FILE, `${JSON.stringify(rows, null, 2)}\n`)
process.stderr.write(`wrote ${RESULTS_FILE}\n`)
for (const failure of failures) process.stderr.write(`bench: ${failure}\n`)
process.exitCode = failures.length > 0 ? 1 : 0

function parseArgs(args) {
  const groups = []
  let reps = 3
  let minutes = 10
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]
    if (arg === '--') continue
    if (arg === '--help' || arg === '-h') {
      process.stdout.write(`${USAGE}\n`)
      process.exit(0)
    }
    if (arg === '--reps' || arg === '--minutes') {
      const value = Number(args[++i])
      if (!Number.isFinite(value) || value <= 0) usage(`${arg} needs a positive number`)
      if (arg === '--reps') reps = Math.round(value)
      else minutes = value
      continue
    }
    if (!ALL_GROUPS.includes(arg)) usage(`unknown group or option "${arg}"`)
    if (!groups.includes(arg)) groups.push(arg)
  }
  return { groups: groups.length > 0 ? groups : DEFAULT_GROUPS, reps, minutes }
}

function usage(problem) {
  process.stderr.write(`bench: ${problem}\n${USAGE}\n`)
  process.exit(2)
}

function describeMachine() {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8')
  const cpu = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? os.cpus()[0]?.model ?? 'unknown CPU'
  const cores = os.availableParallelism()
  return {
    cpu,
    cores,
    node: process.version,
    summary:
      `${cpu}, nproc ${cores}, Node ${process.version}, ${os.type()} ${os.release()}, ` +
      `load average ${os.loadavg()[0].toFixed(1)} at start`,
  }
}
