import { memoryTransport, transportCompliance } from '@protolab/core/compliance'
import { describe, expect, it } from 'vitest'

transportCompliance({ name: 'memory', create: () => memoryTransport() })
transportCompliance({
  name: 'memory declared as a connectionless datagram service',
  create: () => memoryTransport({ reliable: false, ordered: false }),
  hosts: ['127.0.0.1'],
})
transportCompliance({
  name: 'memory declared as a stream',
  create: () => memoryTransport({ messageBoundaries: false, connectionOriented: true }),
  hosts: ['::1'],
})

describe('memoryTransport', () => {
  it('refuses semantics that are not four booleans', () => {
    expect(() => memoryTransport({ reliable: 'yes' as unknown as boolean })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
    )
    expect(() => memoryTransport({ fast: true } as never)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
    )
  })

  it('refuses a peer that is not listening when connection-oriented', async () => {
    const transport = memoryTransport({ connectionOriented: true })
    const probe = await transport.open({ bind: { port: 0 } })
    const port = probe.localAddress?.port ?? 0
    await probe.close()
    await expect(transport.open({ peer: { address: '127.0.0.1', port } })).rejects.toMatchObject({
      code: 'ERR_PEER_UNREACHABLE',
    })
  })

  it('sends without bind from an OS-chosen loopback port and gets the reply there', async () => {
    const transport = memoryTransport()
    const server = await transport.open({ bind: { host: '0.0.0.0', port: 0 } })
    const client = await transport.open()
    try {
      expect(client.localAddress).toBeUndefined()
      await client.send(new Uint8Array([1]), { address: '127.0.0.1', port: server.localAddress?.port ?? 0 })
      const server$ = server[Symbol.asyncIterator]()
      const request = (await server$.next()).value
      expect(request.from).toEqual({ address: '127.0.0.1', port: client.localAddress?.port, family: 'IPv4' })
      await server.send(new Uint8Array([2]), request.from)
      const reply = (await client[Symbol.asyncIterator]().next()).value
      expect(Array.from(reply.payload)).toEqual([2])
    } finally {
      await Promise.all([server.close(), client.close()])
    }
  })

  it('refuses addresses outside the in-memory loopback network', async () => {
    const transport = memoryTransport()
    await expect(transport.open({ bind: { host: '192.0.2.1', port: 0 } })).rejects.toMatchObject({
      code: 'ERR_ADDRESS_NOT_AVAILABLE',
    })
    await expect(transport.open({ peer: { address: 'localhost', port: 9 } })).rejects.toMatchObject({
      code: 'ERR_INVALID_ADDRESS',
    })
  })
})
