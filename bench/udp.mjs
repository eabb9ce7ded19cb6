/**
 * 1. UDP throughput: 1 KiB datagrams from a sender in this process to a receiver in another process,
 * @protolab/udp on both ends against raw node:dgram on both ends. Both senders use a connected
 * socket and send in bursts, waiting for the burst's sends to complete and then yielding to the event
 * loop (setImmediate), so neither side simply floods a queue. The figure is messages delivered per
 * second (first send to last arrival); the fraction delivered and the CPU time per datagram of the
 * sender and of the receiver are reported beside it. Each trial has a fresh receiver process, warmed
 * up with 20,000 datagrams that are not counted; where taskset exists the sender runs on CPU 0 and
 * the receiver on CPU 1.
 */
import dgram from 'node:dgram'
import { once } from 'node:events'
import { udp } from '@protolab/udp'
import { pinToCpu, unpin } from './lib/affinity.mjs'
import { startPeer } from './lib/child.mjs'
import { check, resultRow } from './lib/result.mjs'
import { elapsedNs, median, nowNs, yieldToLoop } from './lib/stats.mjs'

const HOST = '127.0.0.1'
const PAYLOAD_BYTES = 1024
const MESSAGES = 30_000
/** Datagrams sent to each fresh receiver before the measured ones. */
const WARM_UP_MESSAGES = 20_000
const BURST = 32
const MAX_SEND_MS = 5_000
/** Delivery depends on when the receiver gets a core: more trials than the default steady the median. */
const MIN_TRIALS = 7
/** The receiver reports once nothing has arrived for this long (or MAX_SETTLE_MS passed). */
const QUIET_MS = 150
const MAX_SETTLE_MS = 3_000

/** Runs the group; returns its rows. */
export async function run({ reps }) {
  const sides = { raw: [], protolab: [] }
  let pinned = false
  try {
    for (let rep = 0; rep < Math.max(reps, MIN_TRIALS); rep++) {
      // Who goes first alternates, so neither side always meets the other's leftovers.
      for (const side of rep % 2 === 0 ? ['raw', 'protolab'] : ['protolab', 'raw']) {
        // A fresh receiver process per trial: how fast one receiver drains its socket varies from
        // process to process (by up to 2x here, for raw and protolab alike), so no side keeps a lucky one.
        const receiver = await startPeer('udp', side === 'raw' ? 'rawReceiver' : 'protolabReceiver')
        try {
          // Sender on CPU 0, receiver on CPU 1: they never share a core in one trial and not in the next.
          pinned = pinToCpu(process.pid, 0) && pinToCpu(receiver.pid, 1)
          sides[side].push(await trial(side, receiver))
        } finally {
          await receiver.stop()
        }
      }
    }
  } finally {
    unpin(process.pid)
  }
  const summary = (side, key) => median(sides[side].map((result) => result[key]))
  return {
    rows: [
      resultRow({
        name: 'UDP 1 KiB delivered msg/s (process → process)',
        value: summary('protolab', 'deliveredPerSec'),
        unit: 'msg/s',
        baseline: 'raw node:dgram',
        baselineValue: summary('raw', 'deliveredPerSec'),
        checks: [check('ratio', '>=', 0.9)],
      }),
      resultRow({
        name: 'UDP 1 KiB sent msg/s',
        value: summary('protolab', 'sentPerSec'),
        unit: 'msg/s',
        baseline: 'raw node:dgram',
        baselineValue: summary('raw', 'sentPerSec'),
      }),
      resultRow({
        name: 'UDP 1 KiB sender CPU per datagram',
        value: summary('protolab', 'sendCpuMicros'),
        unit: 'µs',
        baseline: 'raw node:dgram',
        baselineValue: summary('raw', 'sendCpuMicros'),
      }),
      resultRow({
        name: 'UDP 1 KiB receiver CPU per datagram',
        value: summary('protolab', 'receiveCpuMicros'),
        unit: 'µs',
        baseline: 'raw node:dgram',
        baselineValue: summary('raw', 'receiveCpuMicros'),
      }),
      resultRow({
        name: 'UDP 1 KiB fraction delivered',
        value: summary('protolab', 'fraction'),
        unit: 'fraction',
        baseline: 'raw node:dgram',
        baselineValue: summary('raw', 'fraction'),
      }),
    ],
    notes: [
      `UDP: ${MESSAGES} × ${PAYLOAD_BYTES} B per trial in bursts of ${BURST} with a setImmediate yield, ` +
        `median of ${Math.max(reps, MIN_TRIALS)} trials; a fresh receiver process per trial, warmed up with ` +
        `${WARM_UP_MESSAGES} datagrams first; default socket buffers` +
        `${pinned ? ', sender pinned to CPU 0 and receiver to CPU 1 (taskset)' : ''}. ` +
        'Delivery depends on when the receiver gets a core; CPU time per datagram (user + system) much less so.',
    ],
  }
}

async function trial(side, receiver) {
  const { port } = receiver.info
  const sender = side === 'raw' ? await rawSender(port) : await protolabSender(port)
  const payload = Buffer.alloc(PAYLOAD_BYTES, 0x61)
  let sent
  let startNs
  let sendNs
  let sendCpu
  try {
    // Warm-up: a fresh receiver runs its first thousands of datagrams unoptimised, and protolab's
    // receive path has more JavaScript to optimise than a bare 'message' handler.
    await sendAll(sender, payload, WARM_UP_MESSAGES)
    await receiver.call('settle')
    await receiver.call('reset')
    const cpuAtStart = process.cpuUsage()
    startNs = nowNs()
    sent = await sendAll(sender, payload, MESSAGES)
    sendNs = elapsedNs(startNs)
    sendCpu = process.cpuUsage(cpuAtStart)
  } finally {
    await sender.close()
  }
  const { received, lastNs, cpuMicros } = await receiver.call('settle')
  const deliveredNs = received === 0 ? sendNs : Number(BigInt(lastNs) - startNs)
  return {
    sentPerSec: sent / (sendNs / 1e9),
    deliveredPerSec: received / (deliveredNs / 1e9),
    fraction: received / sent,
    sendCpuMicros: (sendCpu.user + sendCpu.system) / sent,
    // The settle wait adds a little idle CPU; it is the same for both sides.
    receiveCpuMicros: received === 0 ? Number.NaN : cpuMicros / received,
  }
}

/** Sends `messages` datagrams in bursts, yielding to the event loop after each; returns how many went. */
async function sendAll(sender, payload, messages) {
  const startNs = nowNs()
  let sent = 0
  while (sent < messages && elapsedNs(startNs) < MAX_SEND_MS * 1e6) {
    const count = Math.min(BURST, messages - sent)
    await sender.sendBurst(payload, count)
    sent += count
    await yieldToLoop()
  }
  return sent
}

async function rawSender(port) {
  const socket = dgram.createSocket('udp4')
  socket.connect(port, HOST)
  await once(socket, 'connect')
  return {
    sendBurst: (payload, count) =>
      new Promise((resolve, reject) => {
        let left = count
        const onSent = (error) => {
          if (error) reject(error)
          else if (--left === 0) resolve()
        }
        for (let i = 0; i < count; i++) socket.send(payload, onSent)
      }),
    close: () => new Promise((resolve) => socket.close(resolve)),
  }
}

async function protolabSender(port) {
  const endpoint = await udp().open({ peer: { address: HOST, port } })
  return {
    sendBurst: (payload, count) => {
      const sends = new Array(count)
      for (let i = 0; i < count; i++) sends[i] = endpoint.send(payload)
      return Promise.all(sends)
    },
    close: () => endpoint.close(),
  }
}

/**
 * Counts arrivals: how many, when the last one came (nowNs, as a string for IPC), and the CPU time
 * (user + system, µs) the receiving process spent since `reset`.
 */
function arrivalCounter() {
  const state = { received: 0, lastNs: 0n, cpuAtReset: process.cpuUsage() }
  return {
    state,
    arrived() {
      state.received++
      state.lastNs = nowNs()
    },
    methods: {
      reset() {
        state.received = 0
        state.lastNs = 0n
        state.cpuAtReset = process.cpuUsage()
      },
      async settle() {
        const startNs = nowNs()
        let seen = -1
        while (seen !== state.received && elapsedNs(startNs) < MAX_SETTLE_MS * 1e6) {
          seen = state.received
          await new Promise((resolve) => setTimeout(resolve, QUIET_MS))
        }
        const cpu = process.cpuUsage(state.cpuAtReset)
        return { received: state.received, lastNs: String(state.lastNs), cpuMicros: cpu.user + cpu.system }
      },
    },
  }
}

/** Peer roles (run by lib/peer.mjs in a child process). */
export const roles = {
  async rawReceiver() {
    const counter = arrivalCounter()
    const socket = dgram.createSocket('udp4')
    socket.on('message', counter.arrived)
    socket.bind(0, HOST)
    await once(socket, 'listening')
    return { info: { port: socket.address().port }, methods: counter.methods }
  },

  async protolabReceiver() {
    const counter = arrivalCounter()
    const endpoint = await udp().open({ bind: { host: HOST, port: 0 } })
    ;(async () => {
      for await (const _message of endpoint) counter.arrived()
    })()
    return { info: { port: endpoint.localAddress.port }, methods: counter.methods }
  },
}
