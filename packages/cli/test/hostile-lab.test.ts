import { createSocket, type Socket as UdpSocket } from 'node:dgram'
import { createEnvelopeBuffer, createRandom, writeEnvelope } from '@protolab/core'
import { type LabRun, runLab } from '@protolab/lab'
import { afterEach, describe, expect, it } from 'vitest'
import { type Running, runProtolab, startProtolab, stopAll } from './helpers/processes.js'
import {
  childPids,
  commandLine,
  hostileConnections,
  idleConnections,
  RSS_BOUND_BYTES,
  randomBytes,
  rssBytes,
  waitUntilClosed,
} from './hostile-helpers.js'

/**
 * The lab under attack: a flood of foreign datagrams into a running session (counted as
 * foreign, the session's own numbers those of the same seeded run without it), the receiver
 * killed mid-run, and `lab serve` against garbage, a slowloris, --allow/--deny and its own death.
 * The receiver and the server run as child processes of the built command.
 */

const udpSockets: UdpSocket[] = []

afterEach(async () => {
  for (const socket of udpSockets.splice(0)) socket.close()
  await stopAll()
})

/** The fields of a run that belong to the session alone. */
function sessionNumbers(run: LabRun) {
  const { sent, delivered, lost, duplicates, reordered, maxReorderExtent, corrupted } = run
  return { sent, delivered, lost, duplicates, reordered, maxReorderExtent, corrupted }
}

describe('a UDP flood of foreign datagrams during a lab run', () => {
  it('is counted as foreign, and the session counts exactly what the same seeded run counts without it', async () => {
    const workload = {
      transports: ['udp'] as const,
      count: 3000,
      rate: 3000,
      seed: 5,
      impairment: { loss: 0.05, dup: 0.02, reorder: 0.02 },
      recvBufferBytes: 4 * 1024 * 1024,
    }
    const quiet = await runLab({ ...workload, transports: [...workload.transports] })

    const flooder = createSocket('udp4')
    udpSockets.push(flooder)
    const random = createRandom(6)
    const floodDatagrams = 6000
    let flood: Promise<void> | undefined
    let peakReceiverRss = 0
    let receiverPid: number | undefined
    const loud = await runLab(
      { ...workload, transports: [...workload.transports] },
      {
        onListening: ({ receiver, receiverPid: pid }) => {
          receiverPid = pid
          // Garbage, envelopes of another session, and envelopes with a broken CRC, straight at the receiver.
          const other = createEnvelopeBuffer(64)
          writeEnvelope(other, { session: 0x0bad_0bad, seq: 1, sentAtNs: 1n }, 64)
          flood = (async () => {
            for (let i = 0; i < floodDatagrams; i += 50) {
              await Promise.all(
                Array.from({ length: 50 }, (_, j) => {
                  const kind = (i + j) % 3
                  const datagram =
                    kind === 0
                      ? randomBytes(random, 1 + Math.floor(random.next() * 200))
                      : kind === 1
                        ? other
                        : other.subarray(0, 40)
                  return new Promise<void>((resolve) =>
                    flooder.send(datagram, receiver.port, receiver.address, () => resolve()),
                  )
                }),
              )
              await new Promise((resolve) => setImmediate(resolve))
            }
          })()
        },
        onProgress: () => {
          if (receiverPid !== undefined) peakReceiverRss = Math.max(peakReceiverRss, rssBytes(receiverPid))
        },
      },
    )
    await flood
    const quietRun = quiet.runs[0]!
    const loudRun = loud.runs[0]!
    expect(quietRun.foreign).toBe(0)
    // A third of the flood carries the magic but is cut short: the envelope reader calls that
    // corrupt, so it is counted there, and only there.
    const truncatedEnvelopes = Math.floor(floodDatagrams / 3)
    expect(loudRun.foreign + (loudRun.corrupted - quietRun.corrupted)).toBe(floodDatagrams)
    expect(loudRun.corrupted - quietRun.corrupted).toBe(truncatedEnvelopes)
    expect({ ...sessionNumbers(loudRun), corrupted: quietRun.corrupted }).toEqual(sessionNumbers(quietRun))
    expect(peakReceiverRss).toBeGreaterThan(0)
    expect(peakReceiverRss).toBeLessThan(RSS_BOUND_BYTES)
  })
})

/** Waits (bounded) for `proc` to have a lab child process, and returns its pid. */
async function labChildOf(proc: Running): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const child = childPids(proc.child.pid!).find((pid) => commandLine(pid)?.includes('lab-child'))
    if (child !== undefined) return child
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
  throw new Error(`protolab lab (pid ${proc.child.pid}) started no receiver; stderr: ${proc.stderr()}`)
}

describe('the receiver killed mid-run', () => {
  it.each(['udp', 'tcp'])(
    '%s: the sender says so in one line and exits 1, without hanging',
    async (transport) => {
      const lab = startProtolab([
        'lab',
        '--link',
        'proxy',
        '-t',
        transport,
        '--count',
        '10000000',
        '--rate',
        '20000',
      ])
      const receiver = await labChildOf(lab)
      // The run is going once its route is printed: the receiver and the relay listen, sending starts.
      await lab.waitFor('stderr', new RegExp(`^lab: ${transport}, `, 'm'), 15_000)
      process.kill(receiver, 'SIGKILL')
      const done = await lab.finished(15_000)
      expect(done.signal).toBeNull()
      expect(done.code).toBe(1)
      const lines = done.stderr
        .trimEnd()
        .split('\n')
        .filter((line) => line.startsWith('protolab: '))
      expect(lines).toHaveLength(1)
      expect(lines[0]).toMatch(/receiver/)
      expect(childPids(lab.child.pid!)).toEqual([])
    },
  )
})

/** Starts `lab serve` on an OS-chosen port and returns it with the port. */
async function labServe(extra: readonly string[] = []): Promise<{ proc: Running; port: number }> {
  const proc = startProtolab(['lab', 'serve', '--bind', '127.0.0.1:0', ...extra])
  const match = await proc.waitFor('stderr', /listening on 127\.0\.0\.1:(\d+) /, 10_000)
  return { proc, port: Number(match[1]) }
}

/** A normal `lab run` against the server, over TCP so the kernel drops nothing: it must deliver every message. */
async function normalRun(port: number): Promise<void> {
  const run = await runProtolab(
    ['lab', 'run', '--server', `127.0.0.1:${port}`, '-t', 'tcp', '--count', '500', '--json'],
    {
      timeoutMs: 20_000,
    },
  )
  expect(run.code, run.stderr).toBe(0)
  const report = JSON.parse(run.stdout) as { runs: LabRun[] }
  expect(report.runs[0]).toMatchObject({ sent: 500, delivered: 500, lost: 0, foreign: 0 })
}

describe('lab serve against hostile peers', () => {
  it('1,000 control connections of garbage and endless lines: refused or closed, and a normal run still works', async () => {
    const server = await labServe()
    const outcomes = await hostileConnections({
      port: server.port,
      total: 1000,
      concurrency: 50,
      seed: 12,
      payloadOf: (index, random) =>
        index % 10 === 0
          ? Buffer.alloc(100 * 1024, 0x61) // past the server's 64 KiB control line
          : index % 10 === 1
            ? Buffer.from('{"type":"hello","protocol":"protolab-lab","version":99}\n')
            : randomBytes(random, 1 + Math.floor(random.next() * 1024)),
      behaviour: (index) => (index % 2 === 0 ? 'end' : 'wait'),
      holdMs: 1000,
    })
    expect(outcomes.filter((outcome) => outcome.failed)).toHaveLength(0)
    expect(server.proc.child.exitCode).toBeNull()
    expect(rssBytes(server.proc.child.pid!)).toBeLessThan(RSS_BOUND_BYTES)
    await normalRun(server.port)
  })

  it('a slowloris of 50 idle connections: --max-connections 4 turns most away, --idle-timeout 1 closes the rest', async () => {
    const server = await labServe(['--max-connections', '4', '--idle-timeout', '1'])
    const idle = await idleConnections(server.port, 50)
    expect(await waitUntilClosed(idle, 10_000)).toBe(0)
    expect(rssBytes(server.proc.child.pid!)).toBeLessThan(RSS_BOUND_BYTES)
    await normalRun(server.port)
  })

  it('--deny refuses a client at the door, --allow lets the listed ones in', async () => {
    const denied = await labServe(['--allow', '127.0.0.0/8', '--deny', '127.0.0.1'])
    const refused = await runProtolab(
      ['lab', 'run', '--server', `127.0.0.1:${denied.port}`, '-t', 'udp', '--count', '10'],
      {
        timeoutMs: 20_000,
      },
    )
    expect(refused.code).toBe(1)
    expect(refused.stderr).toMatch(/^protolab: .*closed the control connection/m)
    await denied.proc.waitFor('stderr', /\[127\.0\.0\.1:\d+\] refused: denied by --deny 127\.0\.0\.1/)

    const allowed = await labServe(['--allow', '127.0.0.0/8,::1', '--deny', '10.0.0.0/8'])
    await normalRun(allowed.port)
    expect(allowed.proc.stderr()).not.toMatch(/refused/)
  })

  it('killed mid-run: the client says so and exits 1, without hanging', async () => {
    const server = await labServe()
    const client = startProtolab([
      'lab',
      '--link',
      'proxy',
      'run',
      '--server',
      `127.0.0.1:${server.port}`,
      '-t',
      'tcp',
      '--count',
      '10000000',
      '--rate',
      '20000',
    ])
    // The session is under way once the server has opened its data port.
    await server.proc.waitFor('stderr', /session \w+: data on tcp port/, 10_000)
    server.proc.kill('SIGKILL')
    const done = await client.finished(30_000)
    expect(done.signal).toBeNull()
    expect(done.code).toBe(1)
    expect(done.stderr).toMatch(/^protolab: /m)
  })
})
