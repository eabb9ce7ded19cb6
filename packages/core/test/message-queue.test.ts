import { describe, expect, it } from 'vitest'
import { MessageQueue } from '../src/transport/message-queue.js'

const payloadOf = (bytes: number): Uint8Array => new Uint8Array(bytes)

/** Takes `count` items from the queue's iterator. */
async function take<T>(iterator: AsyncIterator<T>, count: number): Promise<void> {
  for (let i = 0; i < count; i++) await iterator.next()
}

describe('MessageQueue limits', () => {
  it('pauses at the item count, and resumes once half of it is left', async () => {
    let resumed = 0
    const queue = new MessageQueue<number>({ highWaterMark: 4, onResume: () => resumed++ })
    expect([1, 2, 3].map((item) => queue.push(item))).toEqual([true, true, true])
    expect(queue.push(4)).toBe(false)
    const iterator = queue[Symbol.asyncIterator]()
    await take(iterator, 1)
    expect(resumed).toBe(0)
    await take(iterator, 1)
    expect(resumed).toBe(1)
  })

  it('pauses at the byte limit however few items there are, and resumes at half of it', async () => {
    let resumed = 0
    const queue = new MessageQueue<Uint8Array>({
      highWaterMark: 1000,
      highWaterMarkBytes: 1024 * 1024,
      sizeOf: (item) => item.byteLength,
      onResume: () => resumed++,
    })
    expect(queue.push(payloadOf(512 * 1024))).toBe(true)
    expect(queue.push(payloadOf(300 * 1024))).toBe(true)
    expect(queue.push(payloadOf(300 * 1024))).toBe(false)
    expect(queue.byteLength).toBe(1112 * 1024)
    const iterator = queue[Symbol.asyncIterator]()
    await take(iterator, 1)
    expect(queue.byteLength).toBe(600 * 1024)
    expect(resumed).toBe(0)
    await take(iterator, 1)
    expect(resumed).toBe(1)
    expect(queue.byteLength).toBe(300 * 1024)
  })

  it('resumes only once both the count and the bytes are at half or less', async () => {
    let resumed = 0
    const queue = new MessageQueue<Uint8Array>({
      highWaterMark: 4,
      highWaterMarkBytes: 100,
      sizeOf: (item) => item.byteLength,
      onResume: () => resumed++,
    })
    for (const bytes of [1, 1, 90, 1]) queue.push(payloadOf(bytes))
    const iterator = queue[Symbol.asyncIterator]()
    // Two items left (half the count), but 91 bytes: still paused.
    await take(iterator, 2)
    expect(resumed).toBe(0)
    await take(iterator, 1)
    expect(resumed).toBe(1)
  })

  it('refuses a byte limit without sizeOf, and limits that are not positive integers', () => {
    expect(() => new MessageQueue<Uint8Array>({ highWaterMarkBytes: 10 })).toThrow(/needs sizeOf/)
    expect(() => new MessageQueue({ highWaterMark: 0 })).toThrow(/highWaterMark must be/)
    expect(
      () =>
        new MessageQueue<Uint8Array>({ highWaterMarkBytes: Number.NaN, sizeOf: (item) => item.byteLength }),
    ).toThrow(/highWaterMarkBytes must be/)
  })
})
