import { expect, it } from 'vitest'
import { bytes, type ComplianceContext, payloadFor, QUIET_MS, sequenceOf, text } from './_harness.js'

/** How many messages the bulk check sends. */
const BULK_COUNT = 1_000
/** Sends between two turns of the event loop: fewer than the 32 datagrams libuv reads per turn, so loopback keeps up. */
const YIELD_EVERY = 20

/** What arrives when many messages are sent, and what an empty one becomes, as `semantics` promise. */
export function deliveryChecks(context: ComplianceContext): void {
  it(`delivers ${BULK_COUNT} messages, every byte intact (all, in order, when the transport promises it)`, async () => {
    const { transport, receiver, sender } = await context.pair()
    const { reliable, ordered } = transport.semantics
    const arriving = context.reader(receiver).take(BULK_COUNT, reliable ? undefined : QUIET_MS)
    for (let i = 0; i < BULK_COUNT; i++) {
      await sender.send(payloadFor(i))
      // A send may complete without a turn of the event loop; yield so a receiver in this process reads.
      if (i % YIELD_EVERY === YIELD_EVERY - 1) await new Promise((resolve) => setImmediate(resolve))
    }
    const sequences = (await arriving).map((message) => sequenceOf(message.payload))

    expect(sequences, 'a message arrived damaged or was never sent').not.toContain(-1)
    expect(sequences.length, 'nothing arrived on loopback').toBeGreaterThan(0)
    if (reliable) expect([...sequences].sort((a, b) => a - b)).toEqual(range(BULK_COUNT))
    if (ordered) expect(sequences).toEqual([...sequences].sort((a, b) => a - b))
  })

  it('handles an empty payload (a message of its own when the transport keeps boundaries)', async () => {
    const { transport, receiver, sender } = await context.pair()
    await sender.send(new Uint8Array(0))
    await sender.send(bytes('after'))
    const reader = context.reader(receiver)

    if (transport.semantics.messageBoundaries) {
      const [empty, after] = await reader.take(2)
      expect(empty?.payload.length).toBe(0)
      expect(empty?.from.port).toBe(sender.localAddress?.port)
      expect(text(after?.payload)).toBe('after')
      return
    }
    // A stream has no empty message: the empty send may vanish or show as empty frames, but the
    // bytes after it must arrive whole.
    let message = await reader.next()
    for (let i = 0; i < 10 && message !== undefined && message.payload.length === 0; i++)
      message = await reader.next()
    expect(text(message?.payload)).toBe('after')
  })
}

function range(count: number): number[] {
  return Array.from({ length: count }, (_, i) => i)
}
