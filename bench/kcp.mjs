/**
 * 8. KCP: @protolab/kcp against kcp-go, both with kcptun's `fast3` knobs (nodelay 1, interval 10,
 * resend 2, nc 1) and windows of 128, each client against an echo server of its own kind in another
 * process: a protolab KCP echo server (a bench peer) and kcp-go's (packages/kcp/test/peers/kcpgo/
 * echo-server), with kcp-go's client (bench/kcpgo). Ping-pong: one 64-byte message in flight, p50
 * and p99; bulk: 64-byte messages sent as fast as the send window allows until every echo is back,
 * in messages/s. Runs alternate protolab and kcp-go, each with fresh servers; the median is reported.
 * Ping-pong clients and servers run on CPU 0 with spinners keeping the CPUs awake, as in the latency
 * group; bulk runs unpinned.
 * Go is built from Debian's golang-go and golang-github-xtaci-kcp-dev (GOPATH mode); where either
 * is missing the rows stay, without a baseline, and say why.
 */
import { execFile, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { kcp, PRESETS } from '@protolab/kcp'
import { pinToCpu, unpin } from './lib/affinity.mjs'
import { keepCpusAwake } from './lib/awake.mjs'
import { startPeer } from './lib/child.mjs'
import { check, resultRow } from './lib/result.mjs'
import { elapsedNs, median, nowNs, percentile } from './lib/stats.mjs'

const HOST = '127.0.0.1'
const PRESET = 'fast3'
const WINDOW = 128
const PAYLOAD_BYTES = 64
const WARM_UP_ROUND_TRIPS = 500
const ROUND_TRIPS = 2_000
const BULK_MESSAGES = 50_000
const MIN_RUNS = 3
/** A ping-pong or bulk run that takes longer than this failed. */
const RUN_TIMEOUT_MS = 120_000
/** Ping-pong clients and servers share one CPU, as in the latency group, so both sides meet the same hand-off. */
const PING_PONG_CPU = 0
const GOPATH = '/usr/share/gocode'
const ECHO_SERVER_SOURCE = fileURLToPath(
  new URL('../packages/kcp/test/peers/kcpgo/echo-server', import.meta.url),
)
const CLIENT_SOURCE = fileURLToPath(new URL('./kcpgo', import.meta.url))
/** The test peers' GOPATH entry with src/kcppattern, which the echo server imports. */
const PEERS_GOPATH = fileURLToPath(new URL('../packages/kcp/test/peers/kcpgo/gopath', import.meta.url))
const execute = promisify(execFile)

/** Runs the group; returns its rows. */
export async function run({ reps }) {
  const missing = await kcpGoMissing()
  const go = missing === undefined ? await buildGo() : undefined
  const runs = { protolab: { p50: [], p99: [], bulk: [] }, kcpgo: { p50: [], p99: [], bulk: [] } }
  try {
    for (let rep = 0; rep < Math.max(reps, MIN_RUNS); rep++) {
      const server = await startPeer('kcp', 'protolabEcho')
      try {
        const pingPong = await pinnedPingPong([server.pid], () => protolabPingPong(server.info.port))
        runs.protolab.p50.push(pingPong.p50)
        runs.protolab.p99.push(pingPong.p99)
        runs.protolab.bulk.push(await protolabBulk(server.info.port))
      } finally {
        await server.stop()
      }
      if (go !== undefined) {
        const pingPong = await goClient(go, ['-mode', 'pingpong', '-count', String(ROUND_TRIPS)], true)
        runs.kcpgo.p50.push(pingPong.p50)
        runs.kcpgo.p99.push(pingPong.p99)
        const bulk = await goClient(go, ['-mode', 'bulk', '-count', String(BULK_MESSAGES)], false)
        runs.kcpgo.bulk.push(bulk.messagesPerSecond)
      }
    }
  } finally {
    go?.remove()
  }
  const baseline = missing === undefined ? 'kcp-go (fast3)' : `kcp-go: not measured, ${missing}`
  const of = (side, key) => (runs[side][key].length === 0 ? null : median(runs[side][key]))
  const rows = [
    resultRow({
      name: `KCP ping-pong RTT p50, ${PAYLOAD_BYTES} B (fast3)`,
      value: of('protolab', 'p50'),
      unit: 'µs',
      baseline,
      baselineValue: of('kcpgo', 'p50'),
      checks: [check('ratio', '<=', 1.5)],
    }),
    resultRow({
      name: `KCP ping-pong RTT p99, ${PAYLOAD_BYTES} B (fast3)`,
      value: of('protolab', 'p99'),
      unit: 'µs',
      baseline,
      baselineValue: of('kcpgo', 'p99'),
    }),
    resultRow({
      name: `KCP bulk echo, ${PAYLOAD_BYTES} B messages (fast3)`,
      value: of('protolab', 'bulk'),
      unit: 'msg/s',
      baseline,
      baselineValue: of('kcpgo', 'bulk'),
      checks: [check('ratio', '>=', 0.5)],
    }),
  ]
  if (missing !== undefined) {
    // A row with a target but no baseline would read as met by its value alone: say it was not measured.
    for (const row of rows) if (row.target !== null) row.met = null
  }
  return {
    rows,
    notes: [
      `KCP: protolab and kcp-go clients, each against an echo server of its own kind in another process, ` +
        `kcptun's fast3 knobs and windows of ${WINDOW} on both; ping-pong ${ROUND_TRIPS} round trips after ` +
        `${WARM_UP_ROUND_TRIPS} warm-up, bulk ${BULK_MESSAGES} messages echoed; median of ` +
        `${Math.max(reps, MIN_RUNS)} runs, alternating.` +
        (missing === undefined ? '' : ` kcp-go was not measured: ${missing}.`),
    ],
  }
}

/**
 * Runs `work` with this process and `pids` on one CPU while spinners keep every CPU awake (see
 * lib/awake.mjs): on a VM an idle vCPU's wake-up otherwise swamps the round trip.
 */
async function pinnedPingPong(pids, work) {
  const awake = await keepCpusAwake()
  for (const pid of [process.pid, ...pids]) pinToCpu(pid, PING_PONG_CPU)
  try {
    return await work()
  } finally {
    for (const pid of [process.pid, ...pids]) unpin(pid)
    await awake.stop()
  }
}

function knobs() {
  return { preset: PRESET, sndwnd: WINDOW, rcvwnd: WINDOW }
}

async function protolabPingPong(port) {
  const client = await kcp(knobs()).open({ peer: { address: HOST, port } })
  const payload = Buffer.alloc(PAYLOAD_BYTES, 0x70)
  const iterator = client[Symbol.asyncIterator]()
  const samples = []
  const deadline = setTimeout(() => void client.close(), RUN_TIMEOUT_MS)
  try {
    for (let i = 0; i < WARM_UP_ROUND_TRIPS + ROUND_TRIPS; i++) {
      const startNs = nowNs()
      const reply = iterator.next()
      client.send(payload).catch(() => undefined)
      if ((await reply).done) throw new Error('the KCP echo server went away during the ping-pong')
      if (i >= WARM_UP_ROUND_TRIPS) samples.push(elapsedNs(startNs) / 1e3)
    }
  } finally {
    clearTimeout(deadline)
    await client.close()
  }
  samples.sort((a, b) => a - b)
  return { p50: percentile(samples, 50), p99: percentile(samples, 99) }
}

async function protolabBulk(port) {
  const client = await kcp(knobs()).open({ peer: { address: HOST, port } })
  const payload = Buffer.alloc(PAYLOAD_BYTES, 0x70)
  const deadline = setTimeout(() => void client.close(), RUN_TIMEOUT_MS)
  try {
    const startNs = nowNs()
    const echoed = (async () => {
      let count = 0
      for await (const _message of client) if (++count === BULK_MESSAGES) return
      throw new Error('the KCP echo server went away during the bulk run')
    })()
    for (let i = 0; i < BULK_MESSAGES; i++) await client.send(payload)
    await echoed
    return BULK_MESSAGES / (elapsedNs(startNs) / 1e9)
  } finally {
    clearTimeout(deadline)
    await client.close()
  }
}

/** Why kcp-go cannot be built here, or undefined. */
async function kcpGoMissing() {
  try {
    await execute('go', ['version'])
  } catch {
    return 'the `go` command is not installed (Debian: golang-go)'
  }
  if (!existsSync(join(GOPATH, 'src/github.com/xtaci/kcp-go/kcp.go'))) {
    return `kcp-go's source is not in ${GOPATH} (Debian: golang-github-xtaci-kcp-dev)`
  }
  return undefined
}

async function buildGo() {
  const dir = mkdtempSync(join(tmpdir(), `protolab-bench-kcpgo-${process.pid}-`))
  const env = { ...process.env, GO111MODULE: 'off', GOPATH: `${PEERS_GOPATH}:${GOPATH}`, GOFLAGS: '' }
  const build = (source, name) =>
    execute('go', ['build', '-o', join(dir, name), '.'], { cwd: source, env, timeout: 300_000 })
  try {
    await Promise.all([build(ECHO_SERVER_SOURCE, 'echo-server'), build(CLIENT_SOURCE, 'client')])
  } catch (error) {
    rmSync(dir, { recursive: true, force: true })
    throw error
  }
  return {
    echoServer: join(dir, 'echo-server'),
    client: join(dir, 'client'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  }
}

/**
 * Starts a fresh kcp-go echo server, runs the kcp-go client against it (both on one CPU when
 * `pinned`, as the protolab ping-pong is), and returns what the client printed.
 */
async function goClient(go, args, pinned) {
  const { nodelay, interval, resend, nc } = PRESETS[PRESET]
  const flags = [
    `-nodelay=${nodelay ? 1 : 0}`,
    `-interval=${interval}`,
    `-resend=${resend}`,
    `-nc=${nc ? 1 : 0}`,
    `-wnd=${WINDOW}`,
  ]
  const server = spawn(go.echoServer, ['-listen', `${HOST}:0`, ...flags], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const exited = new Promise((resolve) => server.once('exit', resolve))
  const awake = pinned ? await keepCpusAwake() : undefined
  try {
    const port = await new Promise((resolve, reject) => {
      createInterface({ input: server.stdout }).once('line', (line) => {
        const match = /:(\d+)$/.exec(line)
        if (match === null) reject(new Error(`kcp-go echo server said ${JSON.stringify(line)}`))
        else resolve(Number(match[1]))
      })
      server.once('exit', (code) => reject(new Error(`kcp-go echo server exited (${code})`)))
    })
    if (pinned) pinToCpu(server.pid, PING_PONG_CPU)
    const clientArgs = [
      '-connect',
      `${HOST}:${port}`,
      '-size',
      String(PAYLOAD_BYTES),
      '-warmup',
      String(WARM_UP_ROUND_TRIPS),
      ...flags,
      ...args,
    ]
    // taskset starts the client on the CPU, so every thread it makes is there from the start.
    const { stdout } = pinned
      ? await execute('taskset', ['-c', String(PING_PONG_CPU), go.client, ...clientArgs], {
          timeout: RUN_TIMEOUT_MS,
        })
      : await execute(go.client, clientArgs, { timeout: RUN_TIMEOUT_MS })
    return JSON.parse(stdout)
  } finally {
    server.kill()
    await exited
    await awake?.stop()
  }
}

/** Peer roles (run by lib/peer.mjs in a child process): the protolab KCP echo server. */
export const roles = {
  async protolabEcho() {
    const endpoint = await kcp(knobs()).open({ bind: { host: HOST, port: 0 }, listen: true })
    ;(async () => {
      for await (const message of endpoint) await endpoint.send(message.payload, message.from)
    })()
    return { info: { port: endpoint.localAddress.port }, methods: {} }
  },
}
