/**
 * 5. Latency: ping-pong round trips of a 64-byte message between this process and an echo server in
 * another process, through @protolab/udp and @protolab/tcp (length framing, noDelay) on both ends,
 * against raw node:dgram and raw node:net (noDelay, the same 68 framed bytes, echoed as they come).
 * One message in flight at a time, raw and protolab taking turns in small blocks; p50 and p99 of
 * each run, the median over runs. Placement is fixed (client and servers on one CPU, SCHED_IDLE
 * spinners keeping vCPUs awake) because on a VM it otherwise changes round trips by 2-4x.
 */
import dgram from 'node:dgram'
import { once } from 'node:events'
import net from 'node:net'
import { lengthFraming } from '@protolab/core'
import { tcp } from '@protolab/tcp'
import { udp } from '@protolab/udp'
import { pinToCpu, unpin } from './lib/affinity.mjs'
import { keepCpusAwake } from './lib/awake.mjs'
import { startPeer } from './lib/child.mjs'
import { check, resultRow } from './lib/result.mjs'
import { elapsedNs, median, nowNs, percentile } from './lib/stats.mjs'

const HOST = '127.0.0.1'
const PAYLOAD_BYTES = 64
const WARM_UP_ROUND_TRIPS = 3_000
const ROUND_TRIPS = 3_000
/** Raw and protolab take turns in blocks of this many round trips. */
const BLOCK_ROUND_TRIPS = 250
const SIDES = ['raw', 'protolab']
/** Clients and servers share one CPU (see run()). */
const CLIENT_CPU = 0
const SERVER_CPU = 0
/** Runs per transport, each with fresh servers; the median of their percentiles is reported. */
const MIN_RUNS = 5
/** A lost UDP datagram would stall a ping-pong for ever: give up on a round trip after this. */
const ROUND_TRIP_TIMEOUT_MS = 1_000

/** The four clients, by transport and side. */
const CLIENTS = {
  udp: { raw: rawUdpClient, protolab: protolabUdpClient },
  tcp: { raw: rawTcpClient, protolab: protolabTcpClient },
}

/** Runs the group; returns its rows. */
export async function run({ reps }) {
  const rows = []
  const awake = await keepCpusAwake()
  // Clients and echo servers all on one CPU: every round trip is the same hand-off between two
  // processes on one core, for raw and protolab alike, instead of however the scheduler placed them
  // (across cores, a round trip here costs twice as much and varies from run to run).
  const pinned = pinToCpu(process.pid, CLIENT_CPU)
  try {
    await measureTransports(reps, rows)
  } finally {
    unpin(process.pid)
    await awake.stop()
  }
  return {
    rows,
    notes: [
      `Latency: ${ROUND_TRIPS} round trips of ${PAYLOAD_BYTES} B per side and run, after ${WARM_UP_ROUND_TRIPS} ` +
        `warm-up, one in flight, echo servers in their own processes; raw and protolab alternate in blocks ` +
        `of ${BLOCK_ROUND_TRIPS} so both meet the same machine load; median over ${Math.max(reps, MIN_RUNS)} runs ` +
        `(fresh echo servers each) of each run's percentile. Every CPU runs a ${awake.how} spinner meanwhile, ` +
        `so no round trip waits for an idle vCPU to wake${pinned ? '; clients and servers pinned to CPU 0 (taskset)' : ''}.`,
    ],
  }
}

/** Measures UDP then TCP, appending their rows to `rows`. */
async function measureTransports(reps, rows) {
  for (const transport of ['udp', 'tcp']) {
    const runs = { raw: [], protolab: [] }
    for (let rep = 0; rep < Math.max(reps, MIN_RUNS); rep++) {
      // Fresh echo servers for every run: where the scheduler places a process can double its round
      // trips for its whole life, so no side keeps one placement through every run.
      const servers = {
        raw: await startPeer('latency', `${transport}RawEcho`),
        protolab: await startPeer('latency', `${transport}ProtolabEcho`),
      }
      for (const server of Object.values(servers)) pinToCpu(server.pid, SERVER_CPU)
      try {
        const result = await interleavedPingPong(transport, servers)
        for (const side of SIDES) runs[side].push(result[side])
      } finally {
        await Promise.all(Object.values(servers).map((peer) => peer.stop()))
      }
    }
    const label = transport === 'udp' ? 'UDP' : 'TCP (noDelay)'
    const baseline = transport === 'udp' ? 'raw node:dgram' : 'raw node:net'
    const of = (side, key) => median(runs[side].map((r) => r[key]))
    rows.push(
      resultRow({
        name: `ping-pong RTT p50, ${label}`,
        value: of('protolab', 'p50'),
        unit: 'µs',
        baseline,
        baselineValue: of('raw', 'p50'),
        checks: [check('ratio', '<=', 1.15)],
      }),
      resultRow({
        name: `ping-pong RTT p99, ${label}`,
        value: of('protolab', 'p99'),
        unit: 'µs',
        baseline,
        baselineValue: of('raw', 'p99'),
      }),
    )
    const timeouts = (side) => runs[side].reduce((sum, r) => sum + r.timeouts, 0)
    if (timeouts('protolab') + timeouts('raw') > 0) {
      rows.push(
        resultRow({
          name: `ping-pong ${label}: round trips timed out`,
          value: timeouts('protolab'),
          unit: '',
          baseline,
          baselineValue: timeouts('raw'),
        }),
      )
    }
  }
}

/**
 * One run: both clients connected at once, alternating blocks of BLOCK_ROUND_TRIPS round trips,
 * until each side has ROUND_TRIPS samples; returns each side's p50, p99 (µs) and timeouts.
 */
async function interleavedPingPong(transport, servers) {
  const clients = {}
  for (const side of SIDES) clients[side] = await CLIENTS[transport][side](servers[side].info.port)
  const payload = Buffer.alloc(PAYLOAD_BYTES, 0x70)
  const samples = { raw: [], protolab: [] }
  const timeouts = { raw: 0, protolab: 0 }
  try {
    for (const side of SIDES) {
      for (let i = 0; i < WARM_UP_ROUND_TRIPS; i++) await clients[side].roundTrip(payload)
    }
    for (let block = 0; block < ROUND_TRIPS / BLOCK_ROUND_TRIPS; block++) {
      for (const side of SIDES) {
        for (let i = 0; i < BLOCK_ROUND_TRIPS; i++) {
          const startNs = nowNs()
          const answered = await clients[side].roundTrip(payload)
          const micros = elapsedNs(startNs) / 1e3
          if (answered) samples[side].push(micros)
          else timeouts[side]++
        }
      }
    }
  } finally {
    await Promise.all(SIDES.map((side) => clients[side].close()))
  }
  const result = {}
  for (const side of SIDES) {
    const sorted = samples[side].sort((a, b) => a - b)
    result[side] = { p50: percentile(sorted, 50), p99: percentile(sorted, 99), timeouts: timeouts[side] }
  }
  return result
}

/**
 * A promise for the next reply: true once `answer()` is called, false after ROUND_TRIP_TIMEOUT_MS,
 * rejected by `fail(error)` (a send that failed).
 */
function replyWaiter() {
  let settle
  let failWith
  let timer
  return {
    next() {
      return new Promise((resolve, reject) => {
        settle = resolve
        failWith = reject
        timer = setTimeout(() => resolve(false), ROUND_TRIP_TIMEOUT_MS)
      })
    },
    answer() {
      clearTimeout(timer)
      settle?.(true)
      settle = undefined
    },
    fail(error) {
      clearTimeout(timer)
      failWith?.(error)
      settle = undefined
    },
  }
}

async function rawUdpClient(port) {
  const socket = dgram.createSocket('udp4')
  socket.connect(port, HOST)
  await once(socket, 'connect')
  const waiter = replyWaiter()
  socket.on('message', () => waiter.answer())
  return {
    roundTrip(payload) {
      const reply = waiter.next()
      socket.send(payload)
      return reply
    },
    close: () => new Promise((resolve) => socket.close(resolve)),
  }
}

async function protolabUdpClient(port) {
  const endpoint = await udp().open({ peer: { address: HOST, port } })
  const waiter = replyWaiter()
  ;(async () => {
    for await (const _message of endpoint) waiter.answer()
  })()
  return {
    // The round trip ends with the reply; send's own completion is not waited for (that would add
    // promise turns a raw socket's fire-and-forget send does not have), but its failure is.
    roundTrip(payload) {
      const reply = waiter.next()
      endpoint.send(payload).catch(waiter.fail)
      return reply
    },
    close: () => endpoint.close(),
  }
}

async function rawTcpClient(port) {
  const socket = net.connect({ port, host: HOST, noDelay: true })
  await once(socket, 'connect')
  const waiter = replyWaiter()
  const frameBytes = PAYLOAD_BYTES + lengthFraming.overheadBytes
  let received = 0
  socket.on('data', (chunk) => {
    received += chunk.length
    while (received >= frameBytes) {
      received -= frameBytes
      waiter.answer()
    }
  })
  let frame
  return {
    roundTrip(payload) {
      frame ??= lengthFraming.encode(payload)
      const reply = waiter.next()
      socket.write(frame)
      return reply
    },
    close: async () => {
      socket.end()
      await once(socket, 'close')
    },
  }
}

async function protolabTcpClient(port) {
  const client = await tcp({ framing: 'length', noDelay: true }).open({ peer: { address: HOST, port } })
  const waiter = replyWaiter()
  ;(async () => {
    for await (const _message of client) waiter.answer()
  })()
  return {
    roundTrip(payload) {
      const reply = waiter.next()
      client.send(payload).catch(waiter.fail)
      return reply
    },
    close: () => client.close(),
  }
}

/** Peer roles (run by lib/peer.mjs in a child process): echo servers. */
export const roles = {
  async udpRawEcho() {
    const socket = dgram.createSocket('udp4')
    socket.on('message', (message, from) => socket.send(message, from.port, from.address))
    socket.bind(0, HOST)
    await once(socket, 'listening')
    return { info: { port: socket.address().port }, methods: {} }
  },

  async udpProtolabEcho() {
    const endpoint = await udp().open({ bind: { host: HOST, port: 0 } })
    ;(async () => {
      for await (const message of endpoint) await endpoint.send(message.payload, message.from)
    })()
    return { info: { port: endpoint.localAddress.port }, methods: {} }
  },

  async tcpRawEcho() {
    const server = net.createServer({ noDelay: true }, (socket) => {
      // Raw TCP has no messages: echo the bytes as they come, which is what the client waits for.
      socket.on('data', (chunk) => socket.write(chunk))
      socket.on('end', () => socket.end())
      socket.on('error', () => {})
    })
    server.listen(0, HOST)
    await once(server, 'listening')
    return { info: { port: server.address().port }, methods: {} }
  },

  async tcpProtolabEcho() {
    const endpoint = await tcp({ framing: 'length', noDelay: true }).open({
      listen: true,
      bind: { host: HOST, port: 0 },
    })
    ;(async () => {
      for await (const message of endpoint) await endpoint.send(message.payload, message.from)
    })()
    return { info: { port: endpoint.localAddress.port }, methods: {} }
  },
}
