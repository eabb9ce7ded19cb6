import { createSocket } from 'node:dgram'
import { createServer, type Server, type Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { runProtolab, stopAll } from './helpers/processes.js'
import { type Listening, startListening } from './helpers/protolab.js'
import {
  hostileConnections,
  idleConnections,
  RSS_BOUND_BYTES,
  randomBytes,
  rssBytes,
  tcpLine,
  waitUntilClosed,
} from './hostile-helpers.js'

/**
 * `protolab listen`, run from the build as a user runs it, against peers that misbehave: a
 * thousand connections of garbage, a 4 GiB length prefix, a line that never ends, a slowloris
 * bounded by --max-connections and --idle-timeout, resets in the middle of a frame, a UDP flood,
 * a port already taken. After each the server is alive, its resident memory under
 * RSS_BOUND_BYTES, and it still serves a normal client.
 */

const sockets: Socket[] = []
const servers: Server[] = []

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy()
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))))
  await stopAll()
})

/** Control characters that must never reach a terminal from a peer (a newline ends each printed line). */
const RAW_CONTROL = /[\x00-\x09\x0b-\x1f\x7f\u0080-\u009f\u202a-\u202e\u2066-\u2069]/

/** The server is still running, within its memory bound, and prints what a normal client sends. */
async function stillServes(server: Listening, line: string): Promise<void> {
  expect(server.proc.child.exitCode).toBeNull()
  expect(rssBytes(server.proc.child.pid!)).toBeLessThan(RSS_BOUND_BYTES)
  await tcpLine(server.port, line)
  await server.proc.waitFor('stdout', new RegExp(`\\] ${line}\\n`), 10_000)
}

describe('listen -t tcp against hostile peers', () => {
  it('1,000 connections of random garbage (50 at a time): none crashes it, no control character reaches the terminal', async () => {
    const server = await startListening(['listen', '0', '-t', 'tcp'])
    const terminalAttack = Buffer.from('\x1b[2J\x1b]0;owned\x07\x9b31m\u202e\r')
    const outcomes = await hostileConnections({
      port: server.port,
      total: 1000,
      concurrency: 50,
      seed: 7,
      payloadOf: (index, random) => {
        const garbage = randomBytes(random, Math.floor(random.next() * 2048))
        return index % 3 === 0 ? Buffer.concat([garbage, terminalAttack, Buffer.from('\n')]) : garbage
      },
      behaviour: (_index, random) => {
        const roll = random.next()
        return roll < 0.7 ? 'end' : roll < 0.9 ? 'reset' : 'wait'
      },
      holdMs: 500,
    })
    expect(outcomes).toHaveLength(1000)
    expect(outcomes.filter((outcome) => outcome.failed)).toHaveLength(0)
    await stillServes(server, 'hello after the garbage')
    expect(server.proc.stdout()).not.toMatch(RAW_CONTROL)
    expect(server.proc.stderr()).not.toMatch(RAW_CONTROL)
  })

  it('a 4 GiB length prefix is refused when read: the peer is disconnected and nothing near its size is allocated', async () => {
    const server = await startListening(['listen', '0', '-t', 'tcp', '-f', 'length'])
    const before = rssBytes(server.proc.child.pid!)
    const outcomes = await hostileConnections({
      port: server.port,
      total: 100,
      concurrency: 50,
      seed: 8,
      payloadOf: (_index, random) =>
        Buffer.concat([Buffer.of(0xff, 0xff, 0xff, 0xff), randomBytes(random, 4096)]),
      behaviour: () => 'wait',
    })
    expect(outcomes.every((outcome) => outcome.closedByServer)).toBe(true)
    await server.proc.waitFor(
      'stderr',
      /frame of 4294967295 bytes or more exceeds the maximum of 16777216 bytes/,
    )
    expect(rssBytes(server.proc.child.pid!) - before).toBeLessThan(16 * 1024 * 1024)
    // A normal length-framed client after them.
    const socket = (await idleConnections(server.port, 1))[0]!
    sockets.push(socket)
    socket.write(Buffer.concat([Buffer.of(0, 0, 0, 5), Buffer.from('hello')]))
    await server.proc.waitFor('stdout', /\] hello\n/)
    expect(rssBytes(server.proc.child.pid!)).toBeLessThan(RSS_BOUND_BYTES)
  })

  it('a line with no newline past the maximum line length (16 MiB by default, or --max-bytes) ends that peer only', async () => {
    const server = await startListening(['listen', '0', '-t', 'tcp'])
    const [endless] = await hostileConnections({
      port: server.port,
      total: 1,
      concurrency: 1,
      seed: 9,
      payloadOf: () => Buffer.alloc(17 * 1024 * 1024, 0x61),
      behaviour: () => 'wait',
      holdMs: 10_000,
    })
    expect(endless!.closedByServer).toBe(true)
    await server.proc.waitFor('stderr', /exceeds the maximum of 16777216 bytes/)
    await stillServes(server, 'a short line')

    const small = await startListening(['listen', '0', '-t', 'tcp', '--max-bytes', '1024'])
    const [long] = await hostileConnections({
      port: small.port,
      total: 1,
      concurrency: 1,
      seed: 9,
      payloadOf: () => Buffer.alloc(64 * 1024, 0x62),
      behaviour: () => 'wait',
    })
    expect(long!.closedByServer).toBe(true)
    expect(small.proc.stdout()).toBe('')
    await stillServes(small, 'within the limit')
  })

  it('a slowloris of 200 idle connections: --max-connections refuses past 20, --idle-timeout 1 frees the rest', async () => {
    const server = await startListening([
      'listen',
      '0',
      '-t',
      'tcp',
      '--max-connections',
      '20',
      '--idle-timeout',
      '1',
    ])
    const idle = await idleConnections(server.port, 200)
    sockets.push(...idle)
    // The 180 over the limit are closed as soon as they are accepted; the 20 served go after 1 s of silence.
    expect(await waitUntilClosed(idle, 10_000)).toBe(0)
    await server.proc.waitFor('stderr', /idle for 1000 ms/)
    // Only accepted connections are announced: the limit turned most of the 200 away.
    const accepted = server.proc.stderr().match(/\] connected$/gm)?.length ?? 0
    expect(accepted).toBeGreaterThanOrEqual(20)
    expect(accepted).toBeLessThan(200)
    await stillServes(server, 'served once the idle ones are gone')
  })

  it('peers that reset in the middle of a frame: no half frame is taken for a whole one, and the next client is served', async () => {
    // Node reports a reset that follows data as the end of the stream, so a line cut by a reset
    // is shown as the bytes that did arrive, once, on a line of its own (as nc shows them); a
    // length-framed frame cut short is never delivered. A peer that reset before the listener
    // accepted it has no address left: it is shown as 0.0.0.0:0, its bytes all the same.
    for (const [framing, payload] of [
      ['line', Buffer.from('half a line without its newline')],
      ['length', Buffer.concat([Buffer.of(0, 0, 0, 100), Buffer.from('only part of the hundred')])],
    ] as const) {
      const server = await startListening(['listen', '0', '-t', 'tcp', '-f', framing])
      const outcomes = await hostileConnections({
        port: server.port,
        total: 50,
        concurrency: 10,
        seed: 10,
        payloadOf: () => payload,
        behaviour: () => 'reset',
      })
      expect(outcomes.every((outcome) => !outcome.failed)).toBe(true)
      if (framing === 'line') {
        await stillServes(server, 'whole')
        const lines = server.proc.stdout().trimEnd().split('\n')
        for (const line of lines.slice(0, -1))
          expect(line).toMatch(/^\[(?:127\.0\.0\.1:\d+|0\.0\.0\.0:0)\] half a line without its newline$/)
      } else {
        const socket = (await idleConnections(server.port, 1))[0]!
        sockets.push(socket)
        socket.write(Buffer.concat([Buffer.of(0, 0, 0, 5), Buffer.from('whole')]))
        await server.proc.waitFor('stdout', /\] whole\n/)
        expect(server.proc.stdout()).toMatch(/^\[127\.0\.0\.1:\d+\] whole\n$/)
      }
      expect(rssBytes(server.proc.child.pid!)).toBeLessThan(RSS_BOUND_BYTES)
    }
  })
})

describe('listen -t tcp with a reader that does not keep up', () => {
  // What waits to be printed is bounded in bytes (the transport's queue and the command's
  // read-ahead), not only in messages: 160 lines of 1 MiB would take it past the bound.
  it('160 lines of 1 MiB while stdout is not read: memory stays under the bound', async () => {
    const { spawn } = await import('node:child_process')
    const { BIN } = await import('./helpers/processes.js')
    // stdout is a pipe nobody reads; stderr is read for the port.
    const child = spawn(process.execPath, [BIN, 'listen', '0', '-t', 'tcp'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    try {
      let stderr = ''
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
        stderr += chunk
      })
      for (let i = 0; i < 200 && !/listening on \S+:\d+/.test(stderr); i++)
        await new Promise((r) => setTimeout(r, 50))
      const port = Number(stderr.match(/listening on \S+:(\d+)/)?.[1])
      const line = Buffer.alloc(1024 * 1024, 0x61)
      line[line.length - 1] = 0x0a
      const [socket] = await idleConnections(port, 1)
      sockets.push(socket!)
      let peakRss = 0
      for (let i = 0; i < 160; i++) {
        if (!socket!.write(line)) {
          // Bounded wait: a listener that stops reading stops us here, which is the fix.
          const drained = await Promise.race([
            new Promise<boolean>((resolve) => socket!.once('drain', () => resolve(true))),
            new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 2000)),
          ])
          if (!drained) break
        }
        peakRss = Math.max(peakRss, rssBytes(child.pid!))
      }
      peakRss = Math.max(peakRss, rssBytes(child.pid!))
      expect(peakRss).toBeLessThan(RSS_BOUND_BYTES)
    } finally {
      child.kill('SIGKILL')
    }
  })
})

describe('listen over UDP against a flood', () => {
  it('20,000 random datagrams from four sockets: memory stays bounded and a normal datagram still gets through', async () => {
    const server = await startListening(['listen', '0'])
    const flooders = Array.from({ length: 4 }, () => createSocket('udp4'))
    const { createRandom } = await import('@protolab/core')
    const random = createRandom(11)
    try {
      for (let batch = 0; batch < 100; batch++) {
        await Promise.all(
          Array.from({ length: 200 }, (_, i) => {
            const datagram = randomBytes(random, Math.floor(random.next() * 128))
            return new Promise<void>((resolve) =>
              flooders[i % 4]!.send(datagram, server.port, '127.0.0.1', () => resolve()),
            )
          }),
        )
      }
      expect(server.proc.child.exitCode).toBeNull()
      expect(rssBytes(server.proc.child.pid!)).toBeLessThan(RSS_BOUND_BYTES)
      // The kernel may drop datagrams while the flood drains: send the normal one until it is seen.
      const normal = createSocket('udp4')
      flooders.push(normal)
      let seen = false
      for (let attempt = 0; attempt < 80 && !seen; attempt++) {
        normal.send('hello after the flood', server.port, '127.0.0.1')
        seen = await server.proc
          .waitFor('stdout', /\] hello after the flood\n/, 250)
          .then(() => true)
          .catch(() => false)
      }
      expect(seen).toBe(true)
      expect(server.proc.stdout()).not.toMatch(RAW_CONTROL)
    } finally {
      for (const socket of flooders) socket.close()
    }
  })
})

describe('listen --allow / --deny against a flood of refused peers', () => {
  it('TCP and UDP: nothing of theirs is printed, one line tells the refused address, memory stays bounded', async () => {
    const tcpServer = await startListening(['listen', '0', '-t', 'tcp', '--deny', '127.0.0.0/8'])
    const outcomes = await hostileConnections({
      port: tcpServer.port,
      total: 300,
      concurrency: 50,
      seed: 13,
      payloadOf: (_index, random) => Buffer.concat([randomBytes(random, 512), Buffer.from('\nlet me in\n')]),
      behaviour: () => 'wait',
    })
    expect(outcomes.every((outcome) => outcome.closedByServer)).toBe(true)
    await tcpServer.proc.waitFor('stderr', /refused/)
    expect(tcpServer.proc.stderr().match(/refused/g)).toHaveLength(1)
    expect(tcpServer.proc.stdout()).toBe('')
    expect(rssBytes(tcpServer.proc.child.pid!)).toBeLessThan(RSS_BOUND_BYTES)

    const udpServer = await startListening(['listen', '0', '--allow', '::1'])
    const flooders = Array.from({ length: 4 }, () => createSocket('udp4'))
    try {
      for (let i = 0; i < 2000; i++) {
        await new Promise<void>((resolve) =>
          flooders[i % 4]!.send(`let me in ${i}`, udpServer.port, '127.0.0.1', () => resolve()),
        )
      }
      await udpServer.proc.waitFor('stderr', /refused/)
    } finally {
      for (const socket of flooders) socket.close()
    }
    expect(udpServer.proc.stderr().match(/refused/g)).toHaveLength(1)
    expect(udpServer.proc.stdout()).toBe('')
    expect(udpServer.proc.child.exitCode).toBeNull()
  })
})

describe('a port already taken', () => {
  /** Holds a TCP port and a UDP port (different numbers) on 127.0.0.1. */
  async function takenPorts(): Promise<{ tcp: number; udp: number }> {
    const server = createServer()
    servers.push(server)
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const udp = createSocket('udp4')
    await new Promise<void>((resolve) => udp.bind(0, '127.0.0.1', resolve))
    servers.push({ close: (done: () => void) => udp.close(done) } as unknown as Server)
    return { tcp: (server.address() as { port: number }).port, udp: udp.address().port }
  }

  it('every listener exits 1 with one line naming the port (and a hint), never a stack trace', async () => {
    const { tcp, udp } = await takenPorts()
    const commands: (readonly string[])[] = [
      ['listen', `${udp}`],
      ['listen', `${tcp}`, '-t', 'tcp'],
      ['chat', '--listen', `${tcp}`, '-t', 'tcp'],
      ['chat', '--room', `${udp}`],
      ['chat', '--room', `${tcp}`, '-t', 'tcp'],
      ['lab', 'serve', '--bind', `127.0.0.1:${tcp}`],
      ['proxy', '--listen', `${tcp}`, '--to', '127.0.0.1:9', '-t', 'tcp'],
      ['proxy', '--listen', `${udp}`, '--to', '127.0.0.1:9'],
    ]
    const results = await Promise.all(commands.map((args) => runProtolab(args, { timeoutMs: 15_000 })))
    results.forEach((result, index) => {
      const port = commands[index]!.join(' ').includes(`${tcp}`) ? tcp : udp
      const [first, ...rest] = result.stderr.trimEnd().split('\n')
      expect({ args: commands[index], code: result.code }).toEqual({ args: commands[index], code: 1 })
      expect(first).toMatch(new RegExp(`^protolab: .*port ${port} is already in use`))
      for (const line of rest) expect(line).toMatch(/^hint: /)
      expect(result.stderr).not.toMatch(/^\s+at /m)
    })
  })
})
