import type { Socket } from 'node:net'
import { lengthFraming } from '@protolab/core'
import { tcp } from '@protolab/tcp'
import { afterEach, describe, expect, it } from 'vitest'
import {
  Endpoints,
  ends,
  freePort,
  nextEvent,
  RawSockets,
  readAll,
  take,
  text,
  utf8,
} from './helpers/sockets.js'

const endpoints = new Endpoints()
const raw = new RawSockets()
afterEach(async () => {
  await raw.destroyAll()
  await endpoints.closeAll()
})

describe('a client', () => {
  it('reports a refused connection as ERR_PEER_UNREACHABLE naming the peer', async () => {
    const port = await freePort()
    const error = await tcp()
      .open({ peer: { address: '127.0.0.1', port } })
      .catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'ERR_PEER_UNREACHABLE', address: '127.0.0.1', port })
  })

  it('connects from the local address and port given in `bind`', async () => {
    const server = await endpoints.open(tcp().open({ listen: true }))
    const localPort = await freePort()
    const client = await endpoints.open(
      tcp().open({ peer: server.localAddress, bind: { host: '127.0.0.1', port: localPort } }),
    )
    expect(client.localAddress).toEqual({ address: '127.0.0.1', port: localPort, family: 'IPv4' })
    expect(client.remoteAddress).toEqual(server.localAddress)
    await client.send(utf8('hi'))
    const [message] = await take(server[Symbol.asyncIterator](), 1)
    expect(message?.from).toEqual({ address: '127.0.0.1', port: localPort, family: 'IPv4' })
  })

  it('reports a local port already taken as ERR_PORT_IN_USE', async () => {
    const server = await endpoints.open(tcp().open({ listen: true }))
    const taken = server.localAddress.port
    const error = await tcp()
      .open({ peer: server.localAddress, bind: { host: '127.0.0.1', port: taken } })
      .catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'ERR_PORT_IN_USE', port: taken })
  })

  it('sends to its server with or without `to`, and refuses any other destination', async () => {
    const server = await endpoints.open(tcp().open({ listen: true }))
    const port = server.localAddress.port
    const client = await endpoints.open(tcp().open({ peer: { address: '127.0.0.1', port } }))
    await client.send(utf8('one'))
    await client.send(utf8('two'), { address: '127.0.0.1', port })
    await expect(client.send(utf8('three'), { address: '127.0.0.1', port: port + 1 })).rejects.toMatchObject({
      code: 'ERR_NOT_CONNECTED',
    })
    expect((await take(server[Symbol.asyncIterator](), 2)).map((m) => text(m.payload))).toEqual([
      'one',
      'two',
    ])
  })

  it('emits connect for its server after open() resolves, and lists it in `peers`', async () => {
    const server = await endpoints.open(tcp().open({ listen: true }))
    const client = await endpoints.open(tcp().open({ peer: server.localAddress }))
    const [peer] = await nextEvent(client, 'connect')
    expect(peer).toEqual(server.localAddress)
    expect(client.peers).toEqual([server.localAddress])
  })

  it('refuses an already aborted signal with ERR_ABORTED', async () => {
    const server = await endpoints.open(tcp().open({ listen: true }))
    await expect(
      tcp().open({ peer: server.localAddress, signal: AbortSignal.abort() }),
    ).rejects.toMatchObject({
      code: 'ERR_ABORTED',
    })
  })

  it('ends its loop and reports disconnect when the server resets, and then refuses sends', async () => {
    let accept: (socket: Socket) => void = () => {}
    const accepted = new Promise<Socket>((resolve) => {
      accept = resolve
    })
    const { port } = await raw.listen((socket) => accept(socket))
    const client = await endpoints.open(tcp().open({ peer: { address: '127.0.0.1', port } }))
    await client.send(utf8('hello'))
    const disconnected = nextEvent(client, 'disconnect')
    ;(await accepted).resetAndDestroy()
    const [, error] = await disconnected
    expect(error).toMatchObject({ code: 'ERR_PEER_RESET' })
    expect(await ends(client[Symbol.asyncIterator]())).toBe(true)
    expect(client.closed).toBe(true)
    expect(client.peers).toEqual([])
    await expect(client.send(utf8('anyone?'))).rejects.toMatchObject({ code: 'ERR_CLOSED' })
  })
})

describe('what a client reads', () => {
  /** Writes `stream` in pieces of varying sizes, each after the previous one left (and `gapMs` more). */
  async function writeInPieces(
    socket: Socket,
    stream: Uint8Array,
    sizes: readonly number[],
    gapMs = 0,
  ): Promise<void> {
    socket.setNoDelay(true)
    for (let offset = 0, i = 0; offset < stream.length; i++) {
      const piece = stream.subarray(offset, offset + sizes[i % sizes.length]!)
      await new Promise<void>((resolve, reject) => socket.write(piece, (e) => (e ? reject(e) : resolve())))
      if (gapMs > 0) await new Promise((resolve) => setTimeout(resolve, gapMs))
      offset += piece.length
    }
    socket.end()
  }

  const pattern = (length: number, seed: number): Uint8Array =>
    Uint8Array.from({ length }, (_, i) => (i * 31 + seed) & 0xff)

  it('arrives whole and in order, large frames read into place and small ones copied out of reused memory', async () => {
    const sizes = [0, 1, 70_000, 65_536, 16_383, 5, 300_000, 3, 40_000, 64 * 1024 - 4, 2]
    const payloads = sizes.map((size, i) => pattern(size, i))
    const stream = Buffer.concat(payloads.map((payload) => lengthFraming.encode(payload)))
    const { port } = await raw.listen((socket) => {
      void writeInPieces(socket, stream, [7, 100_000, 1, 65_540, 30_000, 12])
    })
    const client = await endpoints.open(
      tcp({ framing: 'length' }).open({ peer: { address: '127.0.0.1', port } }),
    )
    const messages = await take(client[Symbol.asyncIterator](), payloads.length)
    // Checked only after every read is done: no later read may land in a message handed out before.
    expect(messages.map((message) => Buffer.from(message.payload).toString('hex'))).toEqual(
      payloads.map((payload) => Buffer.from(payload).toString('hex')),
    )
  })

  it('keeps every small line intact after later reads reuse the memory they came in', async () => {
    const lines = Array.from({ length: 300 }, (_, i) => `line ${i} ${'x'.repeat(i % 50)}`)
    // Pieces apart in time, so that most reads are small ones.
    const { port } = await raw.listen((socket) => {
      void writeInPieces(socket, utf8(lines.map((line) => `${line}\n`).join('')), [9, 1, 300, 4096], 1)
    })
    const client = await endpoints.open(
      tcp({ framing: 'line' }).open({ peer: { address: '127.0.0.1', port } }),
    )
    const messages = await take(client[Symbol.asyncIterator](), lines.length)
    expect(messages.map((message) => text(message.payload))).toEqual(lines)
  })
})

describe('an idle client', () => {
  it('counts every read as activity, and is disconnected with ERR_TIMEOUT once the server goes quiet', async () => {
    const LINES = 30
    const { port } = await raw.listen((socket) => {
      let sent = 0
      const timer = setInterval(() => {
        socket.write(`line ${sent}\n`)
        if (++sent === LINES) clearInterval(timer)
      }, 25)
      socket.on('close', () => clearInterval(timer))
    })
    // Lines come for ~750 ms, past the 400 ms idle limit: only reads keep the client connected.
    const client = await endpoints.open(
      tcp({ idleTimeoutMs: 400 }).open({ peer: { address: '127.0.0.1', port } }),
    )
    const disconnected = new Promise<unknown[]>((resolve) =>
      client.once('disconnect', (...args) => resolve(args)),
    )
    const messages = await take(client[Symbol.asyncIterator](), LINES)
    expect(messages.map((message) => text(message.payload))).toEqual(
      Array.from({ length: LINES }, (_, i) => `line ${i}`),
    )
    const [, error] = await disconnected
    expect(error).toMatchObject({ code: 'ERR_TIMEOUT' })
  })
})

describe('a client whose server half-closes', () => {
  it('reads to the end, then still sends until it closes', async () => {
    let accept: (received: Promise<Buffer>) => void = () => {}
    const receivedByServer = new Promise<Promise<Buffer>>((resolve) => {
      accept = resolve
    })
    const { port } = await raw.listen((socket) => {
      accept(readAll(socket))
      socket.end('last words\n')
    })
    const client = await endpoints.open(tcp().open({ peer: { address: '127.0.0.1', port } }))
    const ended = nextEvent(client, 'end')
    const inbox = client[Symbol.asyncIterator]()
    expect((await take(inbox, 1)).map((m) => text(m.payload))).toEqual(['last words'])
    expect(await ends(inbox)).toBe(true)
    await ended
    expect(client.closed).toBe(false)

    await client.send(utf8('heard you'))
    await client.close()
    expect((await await receivedByServer).toString()).toBe('heard you\n')
  })
})

describe('a client that half-closes', () => {
  it('flushes and sends its FIN, then reads the reply until the server closes', async () => {
    const { port } = await raw.listen((socket) => {
      // The server answers only once it has read everything, as an HTTP/1.0 or an nc -N peer does.
      void readAll(socket).then((request) => socket.end(`got ${request.length} bytes`))
    })
    const client = await endpoints.open(
      tcp({ framing: 'raw' }).open({ peer: { address: '127.0.0.1', port } }),
    )
    const disconnected = nextEvent(client, 'disconnect')
    await client.send(utf8('a'.repeat(100_000)))
    await client.endSending(client.remoteAddress!)
    await expect(client.send(utf8('late'))).rejects.toMatchObject({ code: 'ERR_CLOSED' })
    const reply: string[] = []
    for await (const message of client) reply.push(text(message.payload))
    expect(reply.join('')).toBe('got 100000 bytes')
    const [, error] = await disconnected
    expect(error).toBeUndefined()
  })
})
