/**
 * 2. TCP throughput: length-framed messages of 1 KiB and 64 KiB between this process and a receiver
 * in another process. @protolab/tcp (`framing: 'length'`, `await send()` per message; the receiver
 * iterates decoded messages) against raw node:net writing the very same bytes (4-byte prefix +
 * payload, `write()` per message, waiting for 'drain'; the receiver only counts bytes). Each size
 * runs both ways round: the receiver listening (the sender dials it) and the receiver dialing (the
 * sender listens), since Node lets a socket read into memory of its caller's choosing only when
 * the caller created it, that is when it dials. Duration: first send to the receiver's last byte,
 * on the shared monotonic clock. Also against `iperf3 -c` on loopback, when iperf3 is installed.
 */
import { spawn, spawnSync } from 'node:child_process'
import { once } from 'node:events'
import net from 'node:net'
import { lengthFraming } from '@protolab/core'
import { tcp } from '@protolab/tcp'
import { startPeer } from './lib/child.mjs'
import { check, resultRow } from './lib/result.mjs'
import { median, nowNs } from './lib/stats.mjs'

const HOST = '127.0.0.1'
const PREFIX_BYTES = 4
/** Each size moves the same 256 MiB, so both take a comparable time (~0.1-0.3 s a trial). */
const CASES = [
  { label: '1 KiB', payloadBytes: 1024, messages: 262_144, target: 0.7 },
  { label: '64 KiB', payloadBytes: 65_536, messages: 4_096, target: 0.9 },
]
/** Who dials whom; the receiver's socket is an accepted one in the first, one it created in the second. */
const TOPOLOGIES = [
  { label: 'receiver listens', receiverDials: false },
  { label: 'receiver dials', receiverDials: true },
]
const RECEIVE_TIMEOUT_MS = 20_000
/** Trials are short: more than the default steady the median. */
const MIN_TRIALS = 7
const IPERF_BYTES = '256M'
const IPERF_TIMEOUT_MS = 20_000

/** Runs the group; returns its rows. */
export async function run({ reps }) {
  const rows = []
  const notes = []
  const trialsPerSide = Math.max(reps, MIN_TRIALS)
  const receivers = {
    raw: await startPeer('tcp', 'rawReceiver'),
    protolab: await startPeer('tcp', 'protolabReceiver'),
  }
  let listeningLarge
  try {
    for (const testCase of CASES) {
      for (const topology of TOPOLOGIES) {
        const trials = { raw: [], protolab: [] }
        for (let rep = 0; rep < trialsPerSide; rep++) {
          // Who goes first alternates, so neither side always meets the other's leftovers.
          for (const side of rep % 2 === 0 ? ['raw', 'protolab'] : ['protolab', 'raw']) {
            trials[side].push(await trial(side, receivers[side], testCase, topology))
          }
        }
        const bytesPerSec = (side) => median(trials[side].map((t) => t.bytesPerSec))
        const messagesPerSec = (side) => median(trials[side].map((t) => t.messagesPerSec))
        if (testCase.label === '64 KiB' && !topology.receiverDials) listeningLarge = bytesPerSec
        rows.push(
          resultRow({
            name: `TCP ${testCase.label} framed bytes/s, ${topology.label}`,
            value: bytesPerSec('protolab'),
            unit: 'B/s',
            baseline: 'raw node:net',
            baselineValue: bytesPerSec('raw'),
            checks: [check('ratio', '>=', testCase.target)],
          }),
          resultRow({
            name: `TCP ${testCase.label} framed msg/s, ${topology.label}`,
            value: messagesPerSec('protolab'),
            unit: 'msg/s',
            baseline: 'raw node:net',
            baselineValue: messagesPerSec('raw'),
          }),
        )
      }
    }
  } finally {
    await Promise.all(Object.values(receivers).map((peer) => peer.stop()))
  }

  const iperf = await iperfBytesPerSec(reps)
  if (iperf.skipped !== undefined) notes.push(`TCP vs iperf3: skipped, ${iperf.skipped}.`)
  for (const [side, label] of [
    ['protolab', 'TCP 64 KiB framed bytes/s vs iperf3'],
    ['raw', 'raw node:net 64 KiB bytes/s vs iperf3'],
  ]) {
    rows.push(
      resultRow({
        name: label,
        value: iperf.skipped === undefined ? listeningLarge(side) : null,
        unit: 'B/s',
        baseline: 'iperf3 -c 127.0.0.1',
        baselineValue: iperf.bytesPerSec ?? null,
      }),
    )
  }
  notes.push(
    `TCP: ${CASES.map((c) => `${c.messages} × ${c.label}`).join(' and ')} per trial, median of ${trialsPerSide} alternating trials; bytes/s ` +
      `counts wire bytes (payload + 4-byte prefix); raw node:net uses default socket options (Nagle on), ` +
      `protolab its defaults (noDelay, gathered writes); iperf3 moves ${IPERF_BYTES}B in its default 128 KiB writes ` +
      '(compared with the receiver-listens figures, as iperf3 -s listens).',
  )
  return { rows, notes }
}

async function trial(side, receiver, { payloadBytes, messages }, { receiverDials }) {
  const wireBytes = messages * (payloadBytes + PREFIX_BYTES)
  await receiver.call('expect', { messages, wireBytes })
  const payload = Buffer.alloc(payloadBytes, 0x62)
  const sender = side === 'raw' ? rawSender(payload) : protolabSender(payload)
  if (receiverDials) {
    const port = await sender.listen()
    await receiver.call('dial', { port })
    await sender.accepted()
  } else {
    await sender.connect(receiver.info.port)
  }
  const startNs = nowNs()
  await sender.send(messages)
  const { lastNs } = await receiver.call('done', {}, RECEIVE_TIMEOUT_MS + 1000)
  const seconds = Number(BigInt(lastNs) - startNs) / 1e9
  return { bytesPerSec: wireBytes / seconds, messagesPerSec: messages / seconds }
}

/** Raw node:net: one frame encoded once and written `messages` times, honouring 'drain'. */
function rawSender(payload) {
  const frame = lengthFraming.encode(payload)
  let socket
  let server
  let connection
  return {
    async connect(port) {
      socket = net.connect(port, HOST)
      await once(socket, 'connect')
    },
    async listen() {
      server = net.createServer()
      // Waited for from the start: the receiver may be connected before its dial() call returns.
      connection = once(server, 'connection')
      server.listen(0, HOST)
      await once(server, 'listening')
      return server.address().port
    },
    async accepted() {
      ;[socket] = await connection
      server.close()
    },
    async send(messages) {
      for (let i = 0; i < messages; i++) {
        if (!socket.write(frame)) await once(socket, 'drain')
      }
      socket.end()
    },
  }
}

/** @protolab/tcp with length framing: `await send()` per message, then `close()`. */
function protolabSender(payload) {
  const transport = tcp({ framing: 'length' })
  let endpoint
  let peer
  let connection
  return {
    async connect(port) {
      endpoint = await transport.open({ peer: { address: HOST, port } })
    },
    async listen() {
      endpoint = await transport.open({ listen: true, bind: { host: HOST, port: 0 } })
      connection = once(endpoint, 'connect')
      return endpoint.localAddress.port
    },
    async accepted() {
      ;[peer] = await connection
    },
    async send(messages) {
      for (let i = 0; i < messages; i++) await endpoint.send(payload, peer)
      await endpoint.close()
    },
  }
}

/**
 * Bytes/s of `iperf3 -c` against a one-off `iperf3 -s -1` on a free loopback port, median of `reps`,
 * or `{ skipped }` saying why there is no figure.
 */
async function iperfBytesPerSec(reps) {
  if (spawnSync('iperf3', ['--version'], { stdio: 'ignore' }).error !== undefined) {
    return { skipped: 'iperf3 is not installed' }
  }
  const samples = []
  for (let rep = 0; rep < reps; rep++) {
    const port = await freePort()
    const server = spawn('iperf3', ['-s', '-1', '--forceflush', '-B', HOST, '-p', String(port)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    try {
      await waitForOutput(server, /Server listening/, 5_000)
      const client = spawnSync('iperf3', ['-c', HOST, '-p', String(port), '-n', IPERF_BYTES, '-J'], {
        encoding: 'utf8',
        timeout: IPERF_TIMEOUT_MS,
      })
      const report = JSON.parse(client.stdout)
      if (report.error !== undefined) throw new Error(`iperf3: ${report.error}`)
      samples.push(report.end.sum_received.bits_per_second / 8)
    } finally {
      server.kill()
    }
  }
  return { bytesPerSec: median(samples) }
}

async function freePort() {
  const server = net.createServer()
  server.listen(0, HOST)
  await once(server, 'listening')
  const { port } = server.address()
  await new Promise((resolve) => server.close(resolve))
  return port
}

function waitForOutput(child, pattern, timeoutMs) {
  return new Promise((resolve, reject) => {
    let seen = ''
    const timer = setTimeout(() => {
      done()
      reject(new Error(`iperf3 -s did not start within ${timeoutMs} ms`))
    }, timeoutMs)
    const onData = (data) => {
      seen += data
      if (pattern.test(seen)) {
        done()
        resolve()
      }
    }
    const onExit = (code) => {
      done()
      reject(new Error(`iperf3 -s exited (${code}): ${seen.trim()}`))
    }
    const done = () => {
      clearTimeout(timer)
      child.stdout.off('data', onData)
      child.off('exit', onExit)
    }
    child.stdout.setEncoding('utf8')
    child.stdout.on('data', onData)
    child.once('exit', onExit)
  })
}

/**
 * What a receiver waits for and reports: `expect` arms it for a trial, each arrival calls
 * `progress(messages, bytes)`, and `done` resolves once everything arrived, with the time of the last
 * byte (nowNs, as a string for IPC).
 */
function completionTracker() {
  let goal
  let finished
  let lastNs = 0n
  let messages = 0
  let bytes = 0
  return {
    progress(newMessages, newBytes) {
      messages += newMessages
      bytes += newBytes
      if (goal !== undefined && messages >= goal.messages && bytes >= goal.wireBytes && lastNs === 0n) {
        lastNs = nowNs()
        finished?.()
      }
    },
    methods: {
      expect(params) {
        goal = params
        messages = 0
        bytes = 0
        lastNs = 0n
      },
      async done() {
        if (lastNs === 0n) {
          let timer
          await new Promise((resolve, reject) => {
            finished = resolve
            timer = setTimeout(
              () =>
                reject(new Error(`received ${messages} messages, ${bytes} bytes of ${JSON.stringify(goal)}`)),
              RECEIVE_TIMEOUT_MS,
            )
          }).finally(() => clearTimeout(timer))
        }
        finished = undefined
        return { lastNs: String(lastNs) }
      },
    },
  }
}

/**
 * Peer roles (run by lib/peer.mjs in a child process): receivers that listen on a port of their own
 * and, asked to `dial`, connect to a sender instead.
 */
export const roles = {
  async rawReceiver() {
    const tracker = completionTracker()
    // Raw TCP has no messages: every byte counts, and the trial's message count is met at once.
    const receive = (socket) => {
      socket.on('data', (chunk) => tracker.progress(0, chunk.length))
      socket.on('end', () => socket.end())
      socket.on('error', () => {})
    }
    const server = net.createServer(receive)
    server.listen(0, HOST)
    await once(server, 'listening')
    const { expect, done } = tracker.methods
    return {
      info: { port: server.address().port },
      methods: {
        expect: (params) => expect({ ...params, messages: 0 }),
        done,
        async dial({ port }) {
          const socket = net.connect(port, HOST)
          receive(socket)
          await once(socket, 'connect')
        },
      },
    }
  },

  async protolabReceiver() {
    const tracker = completionTracker()
    const transport = tcp({ framing: 'length' })
    const receive = async (endpoint) => {
      for await (const message of endpoint) tracker.progress(1, message.payload.length + PREFIX_BYTES)
    }
    const listener = await transport.open({ listen: true, bind: { host: HOST, port: 0 } })
    receive(listener)
    return {
      info: { port: listener.localAddress.port },
      methods: {
        ...tracker.methods,
        async dial({ port }) {
          const client = await transport.open({ peer: { address: HOST, port } })
          // The sender closes once it has sent everything; the loop then ends and so does the client.
          receive(client).finally(() => client.close())
        },
      },
    }
  },
}
