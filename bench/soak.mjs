/**
 * `pnpm bench -- soak [--minutes N]` (default 10; not part of the default run): chat-like and lab
 * traffic through protolab on loopback for N minutes, with the resident memory (VmRSS) of every
 * long-lived process sampled every few seconds. After a warm-up, a process's memory is flat when
 * the least-squares slope of its RSS stays below SLOPE_LIMIT_MB_PER_MIN and its max − min below
 * SPREAD_LIMIT_MB. Beside RSS, each process reports its JS heap and its external memory (Buffers)
 * after a full GC (peers run with --expose-gc), whose slopes must stay below
 * HEAP_SLOPE_LIMIT_MB_PER_MIN: RSS can drift as the allocator and V8 size their pools, while memory
 * that keeps growing after GC is a leak. The RSS outside V8's committed heap (`heapTotal`) is fitted
 * too, so a drift can be told apart: V8 enlarging its heap, or native memory.
 *
 * Processes: a chat room (TCP listener with line framing relaying every line to every member, and
 * a UDP endpoint echoing datagrams), chat members (TCP clients and UDP endpoints sending GB2312 and
 * UTF-8 text, decoding what comes back), and a lab loop (runLab over UDP and TCP, again and again).
 */
import { createTextDecoder, decodeText, encodeText } from '@protolab/core'
import { tcp } from '@protolab/tcp'
import { udp } from '@protolab/udp'
import { startPeer } from './lib/child.mjs'
import { procStatusBytes } from './lib/proc.mjs'
import { check, resultRow } from './lib/result.mjs'
import { elapsedNs, linearFit, nowNs } from './lib/stats.mjs'

const HOST = '127.0.0.1'
const MEMBERS = 16
/** Each member sends one line over TCP and one datagram over UDP this often. */
const MEMBER_SEND_INTERVAL_MS = 50
const LAB_MESSAGES = 50_000
const LAB_PAUSE_MS = 1_000
/** Samples over the whole soak; the interval follows from the duration (at least 1 s). */
const TARGET_SAMPLES = 150
const WARM_UP_FRACTION = 0.2
const SLOPE_LIMIT_MB_PER_MIN = 0.5
const SPREAD_LIMIT_MB = 25
const HEAP_SLOPE_LIMIT_MB_PER_MIN = 0.1
const MB = 1e6
const LINES = [
  '大家好，我是',
  '收到请回复：端口号范围是0到65535',
  'udp快速，但是不稳定',
  'hello from the soak, line ',
]

/** Runs the soak for `minutes`; returns one slope row and one spread row per process. */
export async function run({ minutes }) {
  const durationMs = minutes * 60_000
  const sampleMs = Math.max(1_000, Math.round(durationMs / TARGET_SAMPLES))
  const env = {
    ...process.env,
    NODE_OPTIONS: [process.env.NODE_OPTIONS, '--expose-gc'].filter(Boolean).join(' '),
  }
  const room = await startPeer('soak', 'chatRoom', {}, env)
  const members = await startPeer('soak', 'chatMembers', room.info, env)
  const labLoop = await startPeer('soak', 'labLoop', {}, env)
  const processes = { 'chat room': room, 'chat members': members, 'lab loop (runner)': labLoop }
  const samples = Object.fromEntries(Object.keys(processes).map((name) => [name, []]))
  const startNs = nowNs()
  try {
    while (elapsedNs(startNs) < durationMs * 1e6) {
      const minute = elapsedNs(startNs) / 60e9
      for (const [name, peer] of Object.entries(processes)) {
        const rss = procStatusBytes(peer.pid, 'VmRSS')
        if (rss === undefined) throw new Error(`soak: the ${name} process died`)
        const { heapUsed, heapTotal, external } = await peer.call('memory')
        samples[name].push({
          minute,
          mb: rss / MB,
          heapMb: heapUsed / MB,
          committedHeapMb: heapTotal / MB,
          externalMb: external / MB,
        })
      }
      if (process.stderr.isTTY) process.stderr.write(`\rsoak ${minute.toFixed(1)} / ${minutes} min `)
      await new Promise((resolve) => setTimeout(resolve, sampleMs))
    }
  } finally {
    if (process.stderr.isTTY) process.stderr.write('\n')
  }
  const traffic = {
    chat: await members.call('stats'),
    lab: await labLoop.call('stop', {}, 120_000),
  }
  await Promise.all(Object.values(processes).map((peer) => peer.stop()))

  const rows = []
  for (const [name, series] of Object.entries(samples)) {
    const measured = series.slice(Math.floor(series.length * WARM_UP_FRACTION))
    const { slope } = linearFit(
      measured.map((s) => s.minute),
      measured.map((s) => s.mb),
    )
    const values = measured.map((s) => s.mb)
    const minutesOf = measured.map((s) => s.minute)
    const heap = linearFit(
      minutesOf,
      measured.map((s) => s.heapMb),
    )
    const external = linearFit(
      minutesOf,
      measured.map((s) => s.externalMb),
    )
    // What V8 has committed for its heap is resident too, and it grows in steps as V8 enlarges its
    // young generation (up to --max-semi-space-size) even when the heap in use stays flat.
    const outsideHeap = linearFit(
      minutesOf,
      measured.map((s) => s.mb - s.committedHeapMb),
    )
    const committed = measured.map((s) => s.committedHeapMb)
    rows.push(
      resultRow({
        name: `soak ${minutes} min: ${name} RSS slope`,
        value: slope,
        unit: 'MB/min',
        checks: [check('value', '<', SLOPE_LIMIT_MB_PER_MIN, 'MB/min')],
      }),
      resultRow({
        name: `soak ${minutes} min: ${name} RSS max − min`,
        value: Math.max(...values) - Math.min(...values),
        unit: 'MB',
        baseline: 'RSS after warm-up',
        baselineValue: values[0],
        checks: [check('value', '<', SPREAD_LIMIT_MB, 'MB')],
      }),
      resultRow({
        name: `soak ${minutes} min: ${name} RSS outside V8's committed heap slope`,
        value: outsideHeap.slope,
        unit: 'MB/min',
        checks: [check('value', '<', SLOPE_LIMIT_MB_PER_MIN, 'MB/min')],
      }),
      resultRow({
        name: `soak ${minutes} min: ${name} V8 committed heap max − min`,
        value: Math.max(...committed) - Math.min(...committed),
        unit: 'MB',
        baseline: 'committed after warm-up',
        baselineValue: committed[0],
      }),
      resultRow({
        name: `soak ${minutes} min: ${name} JS heap after GC slope`,
        value: heap.slope,
        unit: 'MB/min',
        checks: [check('value', '<', HEAP_SLOPE_LIMIT_MB_PER_MIN, 'MB/min')],
      }),
      resultRow({
        name: `soak ${minutes} min: ${name} external (Buffers) after GC slope`,
        value: external.slope,
        unit: 'MB/min',
        checks: [check('value', '<', HEAP_SLOPE_LIMIT_MB_PER_MIN, 'MB/min')],
      }),
    )
  }
  return {
    rows,
    notes: [
      `Soak: ${minutes} min, RSS sampled every ${sampleMs / 1000} s, the first ${WARM_UP_FRACTION * 100} % ` +
        `ignored as warm-up; flat = slope < ${SLOPE_LIMIT_MB_PER_MIN} MB/min and max − min < ${SPREAD_LIMIT_MB} MB; ` +
        `no leak = JS heap and external memory after a full GC grow < ${HEAP_SLOPE_LIMIT_MB_PER_MIN} MB/min.`,
      `Soak traffic: ${traffic.chat.sent} chat lines/datagrams sent by ${MEMBERS} members, ` +
        `${traffic.chat.received} received; ${traffic.lab.runs} lab runs of ${LAB_MESSAGES} messages ` +
        `(UDP + TCP), ${traffic.lab.failures} failed${traffic.lab.lastError ? ` (last: ${traffic.lab.lastError})` : ''}.`,
    ],
  }
}

/** Peer roles (run by lib/peer.mjs in a child process). */
export const roles = {
  /** A chat room: every TCP line goes to every member; every UDP datagram goes back to its sender. */
  async chatRoom() {
    const stream = await tcp({ framing: 'line', maxFrameBytes: 4096 }).open({
      listen: true,
      bind: { host: HOST, port: 0 },
    })
    const datagrams = await udp({ maxMessageBytes: 1024 }).open({ bind: { host: HOST, port: 0 } })
    ;(async () => {
      for await (const message of stream) {
        await Promise.all(stream.peers.map((peer) => stream.send(message.payload, peer).catch(() => {})))
      }
    })()
    ;(async () => {
      for await (const message of datagrams)
        await datagrams.send(message.payload, message.from).catch(() => {})
    })()
    return {
      info: { tcpPort: stream.localAddress.port, udpPort: datagrams.localAddress.port },
      methods: {},
    }
  },

  /** Chat members: each sends a line (TCP) and a datagram (UDP) every interval, in GB2312 or UTF-8. */
  async chatMembers({ tcpPort, udpPort }) {
    const stats = { sent: 0, received: 0, characters: 0 }
    const timers = []
    for (let m = 0; m < MEMBERS; m++) {
      const encoding = m % 2 === 0 ? 'gb2312' : 'utf-8'
      const client = await tcp({ framing: 'line', maxFrameBytes: 4096 }).open({
        peer: { address: HOST, port: tcpPort },
      })
      const datagrams = await udp({ maxMessageBytes: 1024 }).open({ peer: { address: HOST, port: udpPort } })
      const decoder = createTextDecoder(encoding)
      ;(async () => {
        for await (const message of client) {
          stats.received++
          stats.characters += decoder.write(message.payload).length
        }
      })()
      ;(async () => {
        for await (const message of datagrams) {
          stats.received++
          stats.characters += decodeText(message.payload, encoding).length
        }
      })()
      let n = 0
      timers.push(
        setInterval(() => {
          const line = `${LINES[n % LINES.length]}${m}-${n++}`
          stats.sent += 2
          client.send(encodeText(line, encoding)).catch(() => {})
          datagrams.send(encodeText(line, encoding)).catch(() => {})
        }, MEMBER_SEND_INTERVAL_MS),
      )
    }
    return { info: {}, methods: { stats: () => ({ ...stats }) } }
  },

  /** runLab over UDP and TCP in a loop until `stop`, which resolves once the current run ends. */
  async labLoop() {
    const { runLab } = await import('@protolab/lab')
    const state = { runs: 0, failures: 0, lastError: undefined, stopping: false }
    const loop = (async () => {
      while (!state.stopping) {
        try {
          await runLab({ transports: ['udp', 'tcp'], count: LAB_MESSAGES, seed: state.runs })
          state.runs++
        } catch (error) {
          state.failures++
          state.lastError = String(error?.message ?? error)
        }
        await new Promise((resolve) => setTimeout(resolve, LAB_PAUSE_MS))
      }
    })()
    return {
      info: {},
      methods: {
        async stop() {
          state.stopping = true
          await loop
          return { runs: state.runs, failures: state.failures, lastError: state.lastError }
        },
      },
    }
  },
}
