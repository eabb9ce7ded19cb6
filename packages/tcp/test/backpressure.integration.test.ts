import type { Message } from '@protolab/core'
import { tcp } from '@protolab/tcp'
import { afterEach, describe, expect, it } from 'vitest'
import { Endpoints, nextEvent, take } from './helpers/sockets.js'

const endpoints = new Endpoints()
afterEach(() => endpoints.closeAll())

/** `size` bytes that start with the big-endian sequence number and are otherwise derived from it. */
function numbered(sequence: number, size: number): Uint8Array {
  const payload = new Uint8Array(size)
  new DataView(payload.buffer).setUint32(0, sequence)
  for (let i = 4; i < size; i++) payload[i] = (sequence + i) & 0xff
  return payload
}

function sequenceOf(message: Message): number {
  return new DataView(message.payload.buffer, message.payload.byteOffset, 4).getUint32(0)
}

function intact(message: Message, size: number): boolean {
  const expected = numbered(sequenceOf(message), size)
  return message.payload.length === size && expected.every((byte, i) => message.payload[i] === byte)
}

/** True when `promise` is still pending after the microtasks queued so far have run. */
async function isPending(promise: Promise<unknown>): Promise<boolean> {
  let settled = false
  promise.then(
    () => (settled = true),
    () => (settled = true),
  )
  for (let i = 0; i < 3; i++) await Promise.resolve()
  return !settled
}

describe('backpressure', () => {
  it('delivers 100,000 messages exactly once and in order while the receiver starts slow', async () => {
    const COUNT = 100_000
    const SIZE = 200
    const transport = tcp({ framing: 'length', highWaterMark: 64 * 1024 })
    const server = await endpoints.open(transport.open({ listen: true }))
    const client = await endpoints.open(transport.open({ peer: server.localAddress }))

    let hitBackpressure: () => void = () => {}
    const senderBlocked = new Promise<void>((resolve) => {
      hitBackpressure = resolve
    })
    let blockedSends = 0
    const sending = (async () => {
      for (let i = 0; i < COUNT; i++) {
        const sent = client.send(numbered(i, SIZE))
        if (await isPending(sent)) {
          blockedSends++
          hitBackpressure()
        }
        await sent
      }
      await client.close()
    })()

    // Nobody reads until the sender has had to wait: the receiver's queue, both kernels' buffers and
    // the sender's high-water mark are all full by then.
    await Promise.race([senderBlocked, sending])
    const inbox = server[Symbol.asyncIterator]()
    let expected = 0
    let damaged = 0
    // Slow at first (a macrotask per message), then as fast as it goes.
    for (const message of await take(inbox, 1000)) {
      await new Promise((resolve) => setImmediate(resolve))
      if (sequenceOf(message) === expected) expected++
      if (!intact(message, SIZE)) damaged++
    }
    for (const message of await take(inbox, COUNT - 1000)) {
      if (sequenceOf(message) !== expected) break
      expected++
      if (!intact(message, SIZE)) damaged++
    }
    await sending
    await server.close()
    const extra = await take(inbox, 1)

    expect(blockedSends, 'the sender never had to wait for drain').toBeGreaterThan(0)
    expect(expected, 'messages arrived in order up to this sequence number').toBe(COUNT)
    expect(damaged).toBe(0)
    expect(extra, 'a message arrived twice or was never sent').toEqual([])
  })
})

describe('the read-ahead of a reader that does not read', () => {
  // A listener reads through 'data'; a client through onread (socket-reads.ts): both must stop reading.
  it.each(['listener', 'client'] as const)(
    'of a %s holds megabytes, not thousands of large messages: the sender is made to wait, then all arrive',
    async (reader) => {
      const COUNT = 64
      const SIZE = 1024 * 1024
      const transport = tcp({ framing: 'length' })
      const server = await endpoints.open(transport.open({ listen: true }))
      const client = await endpoints.open(transport.open({ peer: server.localAddress }))
      const [receiver, sender] = reader === 'listener' ? [server, client] : [client, server]
      const to =
        reader === 'listener' ? undefined : (server.peers[0] ?? (await nextEvent(server, 'connect'))[0])
      const send = (i: number): Promise<void> => sender.send(numbered(i, SIZE), to)

      // Nobody reads: sends resolve until the reader has stopped reading and every buffer between is
      // full. A send still pending after a second stands for that (64 MiB take far less on loopback).
      const sends: Promise<void>[] = []
      let resolvedBeforeStall = 0
      for (let i = 0; i < COUNT; i++) {
        const sent = send(i)
        sends.push(sent)
        const stalled = await Promise.race([
          sent.then(() => false),
          new Promise<boolean>((resolve) => setTimeout(resolve, 1000, true)),
        ])
        if (stalled) break
        resolvedBeforeStall++
      }
      for (let i = sends.length; i < COUNT; i++) sends.push(send(i))

      const messages = await take(receiver[Symbol.asyncIterator](), COUNT)
      await Promise.all(sends)
      // 4,096 messages of 1 MiB would fit the count limit alone: every send would have resolved.
      expect(resolvedBeforeStall).toBeLessThan(COUNT / 2)
      expect(messages.map(sequenceOf)).toEqual(Array.from({ length: COUNT }, (_, i) => i))
      expect(messages.every((message) => intact(message, SIZE))).toBe(true)
    },
  )
})

describe('close() flushes', () => {
  it.each([
    ['10,000 small messages', 10_000, 1024],
    ['200 messages of 64 KiB, written without a copy', 200, 64 * 1024],
  ])('delivers %s sent in one burst just before close()', async (_, count, size) => {
    const transport = tcp({ framing: 'length' })
    const server = await endpoints.open(transport.open({ listen: true }))
    const client = await endpoints.open(transport.open({ peer: server.localAddress }))
    const sends = Array.from({ length: count }, (_, i) => client.send(numbered(i, size)))
    const closing = client.close()
    await expect(client.send(numbered(count, size))).rejects.toMatchObject({ code: 'ERR_CLOSED' })

    const messages = await take(server[Symbol.asyncIterator](), count)
    await closing
    await Promise.all(sends)
    expect(messages.map(sequenceOf)).toEqual(Array.from({ length: count }, (_, i) => i))
    expect(messages.every((message) => intact(message, size))).toBe(true)
  })

  it('keeps a payload safe to reuse once send() resolved', async () => {
    const transport = tcp({ framing: 'raw' })
    const server = await endpoints.open(transport.open({ listen: true }))
    const client = await endpoints.open(transport.open({ peer: server.localAddress }))
    const buffer = new Uint8Array(100 * 1024)
    for (const fill of [1, 2, 3]) {
      buffer.fill(fill)
      await client.send(buffer)
    }
    buffer.fill(0)
    await client.close()
    const received: number[] = []
    for await (const chunk of server) {
      received.push(...chunk.payload)
      if (received.length >= 3 * buffer.length) break
    }
    expect(received.length).toBe(3 * buffer.length)
    expect(received.slice(0, buffer.length).every((byte) => byte === 1)).toBe(true)
    expect(received.slice(2 * buffer.length).every((byte) => byte === 3)).toBe(true)
  })
})
