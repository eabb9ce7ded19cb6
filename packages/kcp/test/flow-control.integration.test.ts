import { kcp } from '@protolab/kcp'
import { describe, expect, it } from 'vitest'

describe('kcp: flow control with a slow reader', () => {
  it('delivers everything in order to a reader slower than the sender, whose queue and window fill and drain', async () => {
    const count = 3_000
    const transport = kcp({ sndwnd: 16, rcvwnd: 16, maxQueuedMessages: 8, closeTimeoutMs: 10_000 })
    const server = await transport.open({ bind: { host: '127.0.0.1', port: 0 }, listen: true })
    const client = await transport.open({ peer: server.localAddress })
    try {
      const received: number[] = []
      const reading = (async () => {
        for await (const m of server) {
          received.push(new DataView(m.payload.buffer, m.payload.byteOffset).getUint32(0))
          // A reader slower than the sender: a turn of the event loop per message.
          await new Promise((resolve) => setImmediate(resolve))
          if (received.length === count) return
        }
      })()
      for (let i = 0; i < count; i++) {
        const payload = new Uint8Array(512)
        new DataView(payload.buffer).setUint32(0, i)
        await client.send(payload)
      }
      await reading
      // Every message, in order: the windows closed and reopened (a WINS after the reader drained a
      // full queue) without wedging either side.
      expect(received).toEqual(Array.from({ length: count }, (_, i) => i))
    } finally {
      await client.close()
      await server.close()
    }
  }, 60_000)
})
