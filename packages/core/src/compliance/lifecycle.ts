import { expect, it } from 'vitest'
import type { Message } from '../transport/types.js'
import { bytes, type ComplianceContext, MESSAGE_WAIT_MS, payloadFor, sequenceOf, within } from './_harness.js'

/** How many sends the flush check starts just before `close()`: fewer when loss is allowed, so loopback buffers hold them all. */
const FLUSH_COUNT_RELIABLE = 1_000
const FLUSH_COUNT_UNRELIABLE = 50

/** `close()`: it ends reading, refuses later sends, can be called twice, and loses nothing sent before it. */
export function lifecycleChecks(context: ComplianceContext): void {
  it('close() ends a `for await` loop', async () => {
    const { receiver } = await context.pair()
    const loop = (async () => {
      const seen: Message[] = []
      for await (const message of receiver) seen.push(message)
      return seen
    })()
    await receiver.close()
    expect(await within(loop, MESSAGE_WAIT_MS), 'the loop did not end after close()').toEqual([])
  })

  it('rejects a send after close() with ERR_CLOSED', async () => {
    const { receiver, sender } = await context.pair()
    await sender.close()
    await expect(sender.send(bytes('late'))).rejects.toMatchObject({ code: 'ERR_CLOSED' })
    await expect(receiver.close()).resolves.toBeUndefined()
    await expect(receiver.send(bytes('late'), { address: context.host, port: 9 })).rejects.toMatchObject({
      code: 'ERR_CLOSED',
    })
  })

  it('close() is idempotent', async () => {
    const { receiver, sender } = await context.pair()
    expect(sender.closed).toBe(false)
    await Promise.all([sender.close(), sender.close()])
    await sender.close()
    expect(sender.closed).toBe(true)
    await Promise.all([receiver.close(), receiver.close()])
    expect(receiver.closed).toBe(true)
  })

  it('close() flushes: every send that resolved before it is received', async () => {
    const { transport, receiver, sender } = await context.pair()
    const count = transport.semantics.reliable ? FLUSH_COUNT_RELIABLE : FLUSH_COUNT_UNRELIABLE
    const sends = Array.from({ length: count }, (_, i) => sender.send(payloadFor(i)))
    await sender.close()
    const results = await Promise.allSettled(sends)
    const resolved = results.flatMap((result, i) => (result.status === 'fulfilled' ? [i] : []))
    for (const result of results) {
      if (result.status === 'rejected') expect(result.reason).toMatchObject({ code: 'ERR_CLOSED' })
    }

    const received = await context.reader(receiver).take(resolved.length)
    const sequences = new Set(received.map((message) => sequenceOf(message.payload)))
    expect(
      resolved.filter((sequence) => !sequences.has(sequence)),
      'resolved sends that never arrived',
    ).toEqual([])
  })
}
