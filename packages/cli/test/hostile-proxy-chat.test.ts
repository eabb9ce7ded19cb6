import { spawn } from 'node:child_process'
import { createSocket, type Socket as UdpSocket } from 'node:dgram'
import type { Socket } from 'node:net'
import { createRandom } from '@protolab/core'
import { afterEach, describe, expect, it } from 'vitest'
import { BIN, type Running, startProtolab, stopAll } from './helpers/processes.js'
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
 * `protolab proxy`, `chat --listen` and `chat --room`, run from the build, against garbage,
 * floods, slowloris and --allow/--deny. After each the server is alive, under RSS_BOUND_BYTES,
 * and serves a normal client.
 */

const tcpSockets: Socket[] = []
const udpSockets: UdpSocket[] = []

afterEach(async () => {
  for (const socket of tcpSockets.splice(0)) socket.destroy()
  for (const socket of udpSockets.splice(0)) socket.close()
  await stopAll()
})

/** Control characters that must never reach a terminal from a peer (a newline ends each printed line). */
const RAW_CONTROL = /[\x00-\x09\x0b-\x1f\x7f\u0080-\u009f\u202a-\u202e\u2066-\u2069]/

function expectHealthy(proc: Running, rssBound = RSS_BOUND_BYTES): void {
  expect(proc.child.exitCode).toBeNull()
  expect(rssBytes(proc.child.pid!)).toBeLessThan(rssBound)
}

/** Starts `proxy` on an OS-chosen port in front of `to`, and returns it with its port. */
async function startProxy(to: number, extra: readonly string[]): Promise<Listening> {
  const proc = startProtolab(['proxy', '--listen', '0', '--to', `127.0.0.1:${to}`, ...extra])
  const match = await proc.waitFor('stderr', /proxy listening on 127\.0\.0\.1:(\d+) /, 10_000)
  return { proc, port: Number(match[1]) }
}

/** Stops a proxy with SIGINT and returns the counts it printed with --json. */
async function proxyStats(proxy: Running): Promise<Record<string, number>> {
  proxy.kill('SIGINT')
  const done = await proxy.finished(10_000)
  expect(done.code, done.stderr).toBe(0)
  return (JSON.parse(done.stdout) as { stats: Record<string, number> }).stats
}

function udpSocket(): UdpSocket {
  const socket = createSocket('udp4')
  udpSockets.push(socket)
  return socket
}

function sendDatagram(socket: UdpSocket, payload: Uint8Array | string, port: number): Promise<void> {
  return new Promise((resolve) => socket.send(payload, port, '127.0.0.1', () => resolve()))
}

describe('proxy -t tcp against hostile peers', () => {
  it('1,000 garbage connections, 4 GiB prefixes and resets relayed to a length-framed listener: both stay up and bounded', async () => {
    const server = await startListening(['listen', '0', '-t', 'tcp', '-f', 'length'])
    const proxy = await startProxy(server.port, ['-t', 'tcp', '--json'])
    const outcomes = await hostileConnections({
      port: proxy.port,
      total: 1000,
      concurrency: 50,
      seed: 21,
      payloadOf: (index, random) =>
        index % 5 === 0
          ? Buffer.concat([Buffer.of(0xff, 0xff, 0xff, 0xff), randomBytes(random, 512)])
          : randomBytes(random, 1 + Math.floor(random.next() * 2048)),
      behaviour: (index) => (index % 3 === 0 ? 'reset' : index % 3 === 1 ? 'end' : 'wait'),
      holdMs: 500,
    })
    expect(outcomes.filter((outcome) => outcome.failed)).toHaveLength(0)
    expectHealthy(proxy.proc)
    expectHealthy(server.proc)
    const socket = (await idleConnections(proxy.port, 1))[0]!
    tcpSockets.push(socket)
    socket.write(Buffer.concat([Buffer.of(0, 0, 0, 5), Buffer.from('hello')]))
    await server.proc.waitFor('stdout', /\] hello\n/, 10_000)
    socket.destroy()
    const stats = await proxyStats(proxy.proc)
    expect(stats.accepted).toBeGreaterThanOrEqual(1000)
  })

  it('a slowloris of 100 idle connections: --max-connections 10 refuses the rest, --idle-timeout 1 frees the 10', async () => {
    const server = await startListening(['listen', '0', '-t', 'tcp'])
    const proxy = await startProxy(server.port, [
      '-t',
      'tcp',
      '--max-connections',
      '10',
      '--idle-timeout',
      '1',
      '--json',
    ])
    const idle = await idleConnections(proxy.port, 100)
    tcpSockets.push(...idle)
    expect(await waitUntilClosed(idle, 10_000)).toBe(0)
    expectHealthy(proxy.proc)
    await tcpLine(proxy.port, 'through the proxy')
    await server.proc.waitFor('stdout', /\] through the proxy\n/, 10_000)
    const stats = await proxyStats(proxy.proc)
    expect(stats.refused).toBeGreaterThan(0)
    expect((stats.refused ?? 0) + (stats.accepted ?? 0)).toBe(101)
  })

  it('--deny closes a client unread and counts it; --allow lets the listed ones through', async () => {
    const server = await startListening(['listen', '0', '-t', 'tcp'])
    const denying = await startProxy(server.port, ['-t', 'tcp', '--deny', '127.0.0.0/8', '--json'])
    await hostileConnections({
      port: denying.port,
      total: 20,
      concurrency: 5,
      seed: 22,
      payloadOf: () => Buffer.from('let me through\n'),
      behaviour: () => 'wait',
    })
    await denying.proc.waitFor('stderr', /\[127\.0\.0\.1:\d+\] refused: denied by --deny 127\.0\.0\.0\/8/)
    // One line for the address, however many times it came.
    expect(denying.proc.stderr().match(/refused:/g)).toHaveLength(1)
    expect(await proxyStats(denying.proc)).toMatchObject({ accepted: 0, denied: 20 })
    expect(server.proc.stdout()).toBe('')

    const allowing = await startProxy(server.port, ['-t', 'tcp', '--allow', '127.0.0.1,::1'])
    await tcpLine(allowing.port, 'allowed through')
    await server.proc.waitFor('stdout', /\] allowed through\n/, 10_000)
  })
})

describe('proxy over UDP against a flood', () => {
  it('20,000 datagrams: the relay stays bounded and a normal datagram still gets through; --deny drops and counts', async () => {
    const server = await startListening(['listen', '0'])
    const proxy = await startProxy(server.port, ['--json'])
    const flooders = Array.from({ length: 4 }, udpSocket)
    const random = createRandom(23)
    for (let batch = 0; batch < 100; batch++) {
      await Promise.all(
        Array.from({ length: 200 }, (_, i) =>
          sendDatagram(flooders[i % 4]!, randomBytes(random, Math.floor(random.next() * 128)), proxy.port),
        ),
      )
    }
    expectHealthy(proxy.proc)
    const normal = udpSocket()
    let seen = false
    for (let attempt = 0; attempt < 80 && !seen; attempt++) {
      await sendDatagram(normal, 'hello through the relay', proxy.port)
      seen = await server.proc
        .waitFor('stdout', /\] hello through the relay\n/, 250)
        .then(() => true)
        .catch(() => false)
    }
    expect(seen).toBe(true)
    expectHealthy(server.proc)

    const denying = await startProxy(server.port, ['--deny', '127.0.0.1', '--json'])
    for (let i = 0; i < 500; i++) await sendDatagram(normal, `denied ${i}`, denying.port)
    await denying.proc.waitFor('stderr', /refused: denied by --deny 127\.0\.0\.1/)
    const stats = await proxyStats(denying.proc)
    expect(stats.clients).toBe(0)
    expect(stats.denied).toBeGreaterThan(0)
    expect(stats.denied).toBeLessThanOrEqual(500)
    expect(server.proc.stdout()).not.toMatch(/denied \d+/)
  })
})

/** The RSS bound while 200 lines of 1 MiB go through a room (see the test). */
const LONG_LINES_RSS_BOUND_BYTES = 256 * 1024 * 1024

describe('chat --listen and chat --room against hostile peers', () => {
  it('chat --listen -t tcp: 300 garbage connections, then a normal peer is shown, with no control character', async () => {
    const chat = await startListening(['chat', '--listen', '0', '-t', 'tcp'])
    const terminalAttack = Buffer.from('\x1b[2J\x1b]0;owned\x07\u202e\r\n')
    await hostileConnections({
      port: chat.port,
      total: 300,
      concurrency: 50,
      seed: 31,
      payloadOf: (index, random) =>
        Buffer.concat([
          randomBytes(random, Math.floor(random.next() * 1024)),
          index % 2 ? terminalAttack : Buffer.of(),
        ]),
      behaviour: (index) => (index % 3 === 0 ? 'reset' : 'end'),
      holdMs: 500,
    })
    expectHealthy(chat.proc)
    await tcpLine(chat.port, 'a normal peer')
    await chat.proc.waitFor('stdout', /\] a normal peer\n/, 10_000)
    expect(chat.proc.stdout()).not.toMatch(RAW_CONTROL)
  })

  it('chat --room -t tcp: garbage and a slowloris (--max-connections 10 --idle-timeout 1), then two members talk', async () => {
    const room = await startListening([
      'chat',
      '--room',
      '0',
      '-t',
      'tcp',
      '--max-connections',
      '10',
      '--idle-timeout',
      '1',
    ])
    await hostileConnections({
      port: room.port,
      total: 300,
      concurrency: 8,
      seed: 32,
      payloadOf: (_index, random) => randomBytes(random, Math.floor(random.next() * 2048)),
      behaviour: (index) => (index % 2 === 0 ? 'reset' : 'end'),
      holdMs: 500,
    })
    const idle = await idleConnections(room.port, 100)
    tcpSockets.push(...idle)
    expect(await waitUntilClosed(idle, 10_000)).toBe(0)
    expectHealthy(room.proc)

    const [alice, bob] = await idleConnections(room.port, 2)
    tcpSockets.push(alice!, bob!)
    let heard = ''
    bob!.setEncoding('utf8').on('data', (chunk: string) => {
      heard += chunk
    })
    alice!.write('alice: hello room\n')
    for (let i = 0; i < 100 && !heard.includes('hello room'); i++) await new Promise((r) => setTimeout(r, 50))
    expect(heard).toMatch(/<alice> hello room/)
  })

  it('chat --room -t tcp: a member’s name and text with ESC sequences reach the others escaped', async () => {
    const room = await startListening(['chat', '--room', '0', '-t', 'tcp'])
    const [mallory, bob] = await idleConnections(room.port, 2)
    tcpSockets.push(mallory!, bob!)
    let heard = ''
    bob!.setEncoding('utf8').on('data', (chunk: string) => {
      heard += chunk
    })
    mallory!.write('\u001b]0;pwned\u0007: \u001b[2J\u009b31mred\u202eevil\r done\n')
    for (let i = 0; i < 100 && !heard.includes('done'); i++) await new Promise((r) => setTimeout(r, 50))
    expect(heard).toContain('<\\x1b]0;pwned\\x07> \\x1b[2J\\x9b31mred\\u202eevil\\r done\n')
    expect(heard.replace(/\n/g, '')).not.toMatch(RAW_CONTROL)
    expect(room.proc.stdout()).not.toMatch(RAW_CONTROL)
  })

  it('chat --room -t tcp: 200 lines of 1 MiB for a member that does not read: memory stays under the bound', async () => {
    // The room prints every line: 200 MiB on its stdout, which this test does not read, so it goes
    // to /dev/null; kept by the test it cost as much CPU as the room (and timed out under load).
    const room = spawn(process.execPath, [BIN, 'chat', '--room', '0', '-t', 'tcp'], {
      stdio: ['pipe', 'ignore', 'pipe'],
    })
    try {
      let stderr = ''
      room.stderr.setEncoding('utf8').on('data', (chunk: string) => {
        stderr += chunk
      })
      const port = await new Promise<number>((resolve, reject) => {
        const check = (): void => {
          const match = /room open on \S*:(\d+) /.exec(stderr)
          if (match !== null) resolve(Number(match[1]))
        }
        room.stderr.on('data', check)
        room.once('exit', () => reject(new Error(`the room exited: ${stderr}`)))
      })
      const [alice, bob] = await idleConnections(port, 2)
      tcpSockets.push(alice!, bob!)
      // Bob reads nothing: what the room relays to him waits in the room, up to its limits.
      bob!.pause()
      const line = Buffer.alloc(1024 * 1024, 0x61)
      line[line.length - 1] = 0x0a
      let peakRss = 0
      // Bounded in count and in time: on a loaded machine fewer lines pass, the bound still holds.
      const deadline = Date.now() + 20_000
      for (let i = 0; i < 200 && Date.now() < deadline; i++) {
        if (!alice!.write(line)) {
          const drained = await Promise.race([
            new Promise<boolean>((resolve) => alice!.once('drain', () => resolve(true))),
            new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 2000)),
          ])
          if (!drained) break
        }
        peakRss = Math.max(peakRss, rssBytes(room.pid!))
      }
      peakRss = Math.max(peakRss, rssBytes(room.pid!))
      // 200 MiB pass through as megabyte strings, which V8 frees only at its next full collection, so
      // the bound here is LONG_LINES_RSS_BOUND_BYTES; without the byte bounds the room passed 400 MB.
      expect(peakRss).toBeLessThan(LONG_LINES_RSS_BOUND_BYTES)
      expect(room.exitCode).toBeNull()
    } finally {
      room.kill('SIGKILL')
    }
  })

  it('chat --room over UDP: a flood from four sources, then a new member is heard by another', async () => {
    const room = await startListening(['chat', '--room', '0'])
    const flooders = Array.from({ length: 4 }, udpSocket)
    const random = createRandom(33)
    for (let batch = 0; batch < 25; batch++) {
      await Promise.all(
        Array.from({ length: 200 }, (_, i) =>
          sendDatagram(flooders[i % 4]!, randomBytes(random, Math.floor(random.next() * 256)), room.port),
        ),
      )
    }
    expectHealthy(room.proc)
    const [alice, bob] = [udpSocket(), udpSocket()]
    let heard = ''
    bob.on('message', (message) => {
      heard += message.toString()
    })
    // The kernel may drop datagrams while the flood drains: both keep saying their line until it is heard.
    for (let attempt = 0; attempt < 40 && !heard.includes('hello room'); attempt++) {
      await sendDatagram(bob, 'bob: here\n', room.port)
      await sendDatagram(alice, 'alice: hello room\n', room.port)
      await new Promise((r) => setTimeout(r, 100))
    }
    expect(heard).toMatch(/<alice> hello room/)
    expect(rssBytes(room.proc.child.pid!)).toBeLessThan(RSS_BOUND_BYTES)
  })
})
