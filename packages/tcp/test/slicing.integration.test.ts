import type { Socket } from 'node:net'
import { type FramingName, lengthFraming, lineFraming } from '@protolab/core'
import { tcp } from '@protolab/tcp'
import { afterEach, describe, expect, it } from 'vitest'
import { Endpoints, RawSockets, take, text, utf8 } from './helpers/sockets.js'

const endpoints = new Endpoints()
const raw = new RawSockets()
afterEach(async () => {
  await raw.destroyAll()
  await endpoints.closeAll()
})

/** Writes `bytes` one byte per write, each after the previous one left, as `--slice 1` delivers them. */
async function writeByteByByte(socket: Socket, bytes: Uint8Array): Promise<void> {
  socket.setNoDelay(true)
  for (const byte of bytes) {
    await new Promise<void>((resolve, reject) =>
      socket.write(Uint8Array.of(byte), (e) => (e ? reject(e) : resolve())),
    )
    await new Promise((resolve) => setImmediate(resolve))
  }
}

const PAYLOADS = ['hello', '', '你好, 世界 (split inside a character)', 'x'.repeat(300)]
const FRAMINGS: [FramingName, typeof lineFraming][] = [
  ['line', lineFraming],
  ['length', lengthFraming],
]

describe('a stream delivered one byte at a time', () => {
  it.each(FRAMINGS)('decodes %s frames whole', async (name, framing) => {
    const server = await endpoints.open(tcp({ framing: name }).open({ listen: true }))
    const peer = await raw.connect(server.localAddress.port)
    // An empty payload is an empty line in one framing and a zero length in the other: a message in both.
    const stream = Buffer.concat(PAYLOADS.map((payload) => framing.encode(utf8(payload))))
    await writeByteByByte(peer, stream)

    const messages = await take(server[Symbol.asyncIterator](), PAYLOADS.length)
    expect(messages.map((message) => text(message.payload))).toEqual(PAYLOADS)
    expect(messages.every((message) => message.from.port === peer.localPort)).toBe(true)
  })
})
