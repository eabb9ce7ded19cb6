/**
 * 6. The lab: one 1,000,000-message UDP run and one 1,000,000-message TCP run through `runLab`
 * (@protolab/lab), default 64-byte payloads as fast as possible: wall time and the peak RSS (VmHWM)
 * of the sending process and of the receiver child. Each run happens in a fresh process whose
 * descendants report their peak RSS as they exit (lib/peak-rss-preload.cjs). The baseline is raw
 * node:dgram / node:net moving the same number of same-sized messages (envelope header included)
 * between two fresh processes, with their peak RSS.
 */
import dgram from 'node:dgram'
import { once } from 'node:events'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { startPeer } from './lib/child.mjs'
import { procStatusBytes, waitForFiles } from './lib/proc.mjs'
import { check, resultRow } from './lib/result.mjs'
import { elapsedNs, nowNs, yieldToLoop } from './lib/stats.mjs'

const HOST = '127.0.0.1'
const MESSAGES = 1_000_000
const PAYLOAD_BYTES = 64
/** What the lab puts in front of every payload (core's ENVELOPE_HEADER_BYTES). */
const ENVELOPE_HEADER_BYTES = 32
const PREFIX_BYTES = 4
const BURST = 1024
const RUN_TIMEOUT_MS = 60_000
/** A UDP receiver reports once nothing has arrived for this long. */
const QUIET_MS = 200
const PRELOAD = fileURLToPath(new URL('./lib/peak-rss-preload.cjs', import.meta.url))
const MB = 1e6
const LAB_DIST = ['index.js', 'lab-child.js'].map((name) =>
  fileURLToPath(new URL(`../packages/lab/dist/${name}`, import.meta.url)),
)
/** How long to wait for a dist/ that a concurrent build is rewriting. */
const DIST_WAIT_MS = 60_000

/** Runs the group; returns its rows. */
export async function run() {
  await waitForFiles(LAB_DIST, DIST_WAIT_MS)
  const rows = []
  const notes = []
  for (const transport of ['udp', 'tcp']) {
    const raw = await rawTransfer(transport)
    const lab = await labRun(transport)
    const label = transport.toUpperCase()
    const baseline = transport === 'udp' ? 'raw node:dgram, same messages' : 'raw node:net, same messages'
    rows.push(
      resultRow({
        name: `lab 1,000,000 × ${label}: wall time`,
        value: lab.wallMs / 1000,
        unit: 's',
        baseline,
        baselineValue: raw.wallMs / 1000,
        checks: [check('value', '<', 10, 's')],
      }),
      resultRow({
        name: `lab 1,000,000 × ${label}: sender peak RSS`,
        value: lab.senderPeakRss / MB,
        unit: 'MB',
        baseline: 'raw sender process',
        baselineValue: raw.senderPeakRss / MB,
        checks: [check('value', '<', 200, 'MB')],
      }),
      resultRow({
        name: `lab 1,000,000 × ${label}: receiver peak RSS`,
        value: lab.receiverPeakRss / MB,
        unit: 'MB',
        baseline: 'raw receiver process',
        baselineValue: raw.receiverPeakRss / MB,
        checks: [check('value', '<', 200, 'MB')],
      }),
    )
    notes.push(
      `Lab ${label}: sent ${lab.sent}, delivered ${lab.delivered} (raw: ${raw.delivered}), lab's own ` +
        `duration ${(lab.durationMs / 1000).toFixed(2)} s, ${Math.round(lab.messagesPerSec)} msg/s; wall time includes ` +
        'starting the receiver child.',
    )
  }
  return { rows, notes }
}

/** One runLab in a fresh driver process; peak RSS of the driver (the sender) and of its children. */
async function labRun(transport) {
  await waitForFiles(LAB_DIST, DIST_WAIT_MS)
  const rssDirectory = mkdtempSync(join(tmpdir(), 'protolab-bench-rss-'))
  const driver = await startPeer('lab', 'labDriver', {}, labEnvironment(rssDirectory))
  try {
    const result = await driver.call('run', { transport }, RUN_TIMEOUT_MS)
    const senderPeakRss = procStatusBytes(driver.pid, 'VmHWM')
    await driver.stop()
    const reports = readdirSync(rssDirectory).map((name) =>
      JSON.parse(readFileSync(join(rssDirectory, name), 'utf8')),
    )
    const children = reports.filter((report) => report.ppid === driver.pid)
    if (children.length === 0) throw new Error('the lab receiver child reported no peak RSS')
    return {
      ...result,
      senderPeakRss,
      receiverPeakRss: Math.max(...children.map((report) => report.peakRssBytes)),
    }
  } finally {
    await driver.stop()
    rmSync(rssDirectory, { recursive: true, force: true })
  }
}

function labEnvironment(rssDirectory) {
  const nodeOptions = [process.env.NODE_OPTIONS, `--require ${PRELOAD}`].filter(Boolean).join(' ')
  return { ...process.env, NODE_OPTIONS: nodeOptions, PROTOLAB_BENCH_RSS_DIR: rssDirectory }
}

/** The same messages over raw sockets, sender and receiver each in a fresh process. */
async function rawTransfer(transport) {
  const receiver = await startPeer('lab', transport === 'udp' ? 'rawUdpReceiver' : 'rawTcpReceiver')
  const sender = await startPeer('lab', transport === 'udp' ? 'rawUdpSender' : 'rawTcpSender')
  try {
    const startNs = nowNs()
    await sender.call('send', { port: receiver.info.port }, RUN_TIMEOUT_MS)
    const { delivered } = await receiver.call('settle', {}, RUN_TIMEOUT_MS)
    return {
      wallMs: elapsedNs(startNs) / 1e6,
      delivered,
      senderPeakRss: procStatusBytes(sender.pid, 'VmHWM'),
      receiverPeakRss: procStatusBytes(receiver.pid, 'VmHWM'),
    }
  } finally {
    await Promise.all([sender.stop(), receiver.stop()])
  }
}

/** A receiver's count, settled when everything arrived or (UDP) nothing more came for QUIET_MS. */
function arrivals(expected) {
  let delivered = 0
  let lastArrivalNs = nowNs()
  return {
    add(count) {
      delivered += count
      lastArrivalNs = nowNs()
    },
    async settle() {
      const startNs = nowNs()
      while (delivered < expected && elapsedNs(lastArrivalNs) < QUIET_MS * 1e6) {
        if (elapsedNs(startNs) > RUN_TIMEOUT_MS * 1e6) break
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
      return { delivered }
    },
  }
}

/** Peer roles (run by lib/peer.mjs in a child process). */
export const roles = {
  /** Runs the lab as `protolab lab` does: this process sends, a child it forks receives. */
  async labDriver() {
    const { runLab } = await import('@protolab/lab')
    return {
      info: {},
      methods: {
        async run({ transport }) {
          const startNs = nowNs()
          const report = await runLab({
            transports: [transport],
            count: MESSAGES,
            size: PAYLOAD_BYTES,
            seed: 1,
          })
          const wallMs = elapsedNs(startNs) / 1e6
          const labRun = report.runs[0]
          return {
            wallMs,
            sent: labRun.sent,
            delivered: labRun.delivered,
            durationMs: labRun.durationMs,
            messagesPerSec: labRun.messagesPerSec,
          }
        },
      },
    }
  },

  async rawUdpReceiver() {
    const counter = arrivals(MESSAGES)
    const socket = dgram.createSocket('udp4')
    socket.on('message', () => counter.add(1))
    socket.bind(0, HOST)
    await once(socket, 'listening')
    return { info: { port: socket.address().port }, methods: { settle: counter.settle } }
  },

  async rawUdpSender() {
    return {
      info: {},
      methods: {
        async send({ port }) {
          const socket = dgram.createSocket('udp4')
          socket.connect(port, HOST)
          await once(socket, 'connect')
          const datagram = Buffer.alloc(ENVELOPE_HEADER_BYTES + PAYLOAD_BYTES, 0x6c)
          for (let sent = 0; sent < MESSAGES; ) {
            const count = Math.min(BURST, MESSAGES - sent)
            await new Promise((resolve, reject) => {
              let left = count
              const onSent = (error) => {
                if (error) reject(error)
                else if (--left === 0) resolve()
              }
              for (let i = 0; i < count; i++) socket.send(datagram, onSent)
            })
            sent += count
            await yieldToLoop()
          }
          await new Promise((resolve) => socket.close(resolve))
        },
      },
    }
  },

  async rawTcpReceiver() {
    const frameBytes = PREFIX_BYTES + ENVELOPE_HEADER_BYTES + PAYLOAD_BYTES
    const counter = arrivals(MESSAGES)
    let bytes = 0
    const server = net.createServer((socket) => {
      socket.on('data', (chunk) => {
        // Count whole frames as they complete; raw TCP has no boundaries of its own.
        const before = Math.floor(bytes / frameBytes)
        bytes += chunk.length
        counter.add(Math.floor(bytes / frameBytes) - before)
      })
      socket.on('error', () => {})
    })
    server.listen(0, HOST)
    await once(server, 'listening')
    return { info: { port: server.address().port }, methods: { settle: counter.settle } }
  },

  async rawTcpSender() {
    return {
      info: {},
      methods: {
        async send({ port }) {
          const socket = net.connect(port, HOST)
          await once(socket, 'connect')
          const frame = Buffer.alloc(PREFIX_BYTES + ENVELOPE_HEADER_BYTES + PAYLOAD_BYTES, 0x6c)
          frame.writeUInt32BE(ENVELOPE_HEADER_BYTES + PAYLOAD_BYTES, 0)
          for (let i = 0; i < MESSAGES; i++) {
            if (!socket.write(frame)) await once(socket, 'drain')
          }
          socket.end()
          await once(socket, 'finish')
        },
      },
    }
  },
}
