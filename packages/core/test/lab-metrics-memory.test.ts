import { ReceiverMetrics } from '@protolab/core'
import { describe, expect, it } from 'vitest'

const MESSAGES = 1_000_000
const MS = 1e6

describe('receiver metrics at a million messages', () => {
  it('accounts for every message in typed arrays, not an object per message', () => {
    const before = process.memoryUsage()
    const metrics = new ReceiverMetrics({ expectedMessages: MESSAGES })
    // In every hundred, message 3 overtakes 0, 1 and 2; every 1000th is duplicated, every 10,000th lost.
    for (let i = 0; i < MESSAGES; i++) {
      const seq = i % 100 === 0 ? i + 3 : i % 100 === 3 ? i - 3 : i
      if (seq % 10_000 === 5) continue
      const sentAtNs = seq * 0.01 * MS
      const arrivalNs = i * 0.01 * MS + 0.2 * MS
      metrics.recordMessage(seq, sentAtNs, arrivalNs, 64)
      if (seq % 1000 === 1) metrics.recordMessage(seq, sentAtNs, arrivalNs, 64)
    }
    const after = process.memoryUsage()
    const result = metrics.result(MESSAGES)
    expect(result).toMatchObject({
      sent: MESSAGES,
      delivered: MESSAGES - 100,
      lost: 100,
      duplicates: 1000,
      reordered: 30_000, // per hundred: 3 first, then 1, 2 and 0 each below it
      maxReorderExtent: 3,
    })
    // 10 bytes of records per message plus up to 8 of reordering records: about 18 MB of array buffers.
    const arrayBuffers = after.arrayBuffers - before.arrayBuffers
    const heap = after.heapUsed - before.heapUsed
    console.log(`1,000,000 messages: array buffers +${mb(arrayBuffers)} MB, heap +${mb(heap)} MB`)
    expect(arrayBuffers).toBeGreaterThan(8 * 1e6)
    expect(arrayBuffers).toBeLessThan(40 * 1e6)
    // An object per message would add 50 MB or more to the heap.
    expect(heap).toBeLessThan(24 * 1e6)
  })
})

function mb(bytes: number): string {
  return (bytes / 1e6).toFixed(1)
}
