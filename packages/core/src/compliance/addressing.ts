import { expect, it } from 'vitest'
import type { SocketAddress } from '../transport/types.js'
import { ALLOWED_BYTES, bytes, type ComplianceContext, pick, text } from './_harness.js'

/** Ports and addresses: what the OS chose, who sent a message, and where a reply goes. */
export function addressingChecks(context: ComplianceContext): void {
  const { host } = context
  const family = host.includes(':') ? 'IPv6' : 'IPv4'

  it('reports the port the OS chose for port 0', async () => {
    const { receiver } = await context.pair()
    const local = receiver.localAddress
    expect(local).toEqual({ address: host, port: expect.any(Number), family })
    expect(Number.isInteger(local?.port) && (local?.port ?? 0) > 0 && (local?.port ?? 0) <= 65535).toBe(true)
  })

  it("delivers the exact bytes with the sender's address as `from`", async () => {
    const { receiver, sender } = await context.pair()
    const payload = Uint8Array.from(ALLOWED_BYTES)
    await sender.send(payload)
    const message = await context.reader(receiver).next()

    expect(message, 'no message arrived').toBeDefined()
    expect(Array.from(message?.payload ?? [])).toEqual(Array.from(payload))
    expect(message?.truncated).toBe(false)
    expect(Number.isFinite(message?.receivedAt)).toBe(true)
    expect(sender.localAddress).toBeDefined()
    expect(pick(message?.from)).toEqual(pick(sender.localAddress))
  })

  it('sends a reply back to `m.from`', async () => {
    const { receiver, sender } = await context.pair()
    await sender.send(bytes('ping'))
    const request = await context.reader(receiver).next()
    if (request === undefined) throw new Error('the request did not arrive')

    await receiver.send(bytes('pong'), request.from)
    const reply = await context.reader(sender).next()

    expect(text(reply?.payload)).toBe('pong')
    expect(reply?.from.port).toBe(receiver.localAddress?.port)
    expect(reply?.from.address).toBe(host)
  })

  it('lists the sender in `peers` and emits `connect` for it', async () => {
    const transport = await context.transport()
    const receiver = await context.open(transport, { bind: { host, port: 0 }, listen: true })
    const connected: SocketAddress[] = []
    receiver.on('connect', (peer) => connected.push(peer))
    const sender = await context.open(transport, {
      peer: { address: host, port: receiver.localAddress?.port ?? 0 },
    })
    await sender.send(bytes('hello'))
    const message = await context.reader(receiver).next()
    if (message === undefined) throw new Error('the message did not arrive')

    const expected = pick(message.from)
    expect(receiver.peers.map(pick)).toContainEqual(expected)
    expect(connected.map(pick)).toContainEqual(expected)
  })
}
