import dgram from 'node:dgram'
import { bindDatagramSocket, canBindDatagram, closeDatagramSocket, socketAddressOf } from '@protolab/udp'
import { describe, expect, it } from 'vitest'

describe('bindDatagramSocket', () => {
  it('binds, connects to the peer, and reports the bound address', async () => {
    const peer = dgram.createSocket('udp4')
    await bindDatagramSocket(peer, { host: '127.0.0.1', port: 0 })
    const socket = dgram.createSocket('udp4')
    const bound: number[] = []
    await bindDatagramSocket(socket, {
      host: '127.0.0.1',
      port: 0,
      peer: { address: '127.0.0.1', port: peer.address().port },
      onBound: (s) => bound.push(s.address().port),
    })
    const local = socketAddressOf(socket.address())
    expect(local).toEqual({ address: '127.0.0.1', port: bound[0], family: 'IPv4' })
    expect(Object.isFrozen(local)).toBe(true)
    expect(socket.remoteAddress().port).toBe(peer.address().port)
    await closeDatagramSocket(socket)
    await closeDatagramSocket(socket) // already closed: resolves at once
    await closeDatagramSocket(peer)
  })

  it('rejects a port in use with ERR_PORT_IN_USE and closes its socket', async () => {
    const holder = dgram.createSocket('udp4')
    await bindDatagramSocket(holder, { host: '127.0.0.1', port: 0 })
    const port = holder.address().port
    const socket = dgram.createSocket('udp4')
    let closed = false
    socket.once('close', () => {
      closed = true
    })
    await expect(bindDatagramSocket(socket, { host: '127.0.0.1', port })).rejects.toMatchObject({
      code: 'ERR_PORT_IN_USE',
    })
    await new Promise<void>((resolve) => (closed ? resolve() : socket.once('close', () => resolve())))
    await closeDatagramSocket(holder)
  })

  it('rejects an address this host does not have with ERR_ADDRESS_NOT_AVAILABLE', async () => {
    const socket = dgram.createSocket('udp4')
    // 192.0.2.1 is TEST-NET-1 (RFC 5737): never a local address.
    await expect(bindDatagramSocket(socket, { host: '192.0.2.1', port: 0 })).rejects.toMatchObject({
      code: 'ERR_ADDRESS_NOT_AVAILABLE',
    })
  })
})

describe('canBindDatagram', () => {
  it('is true for 127.0.0.1 and false for an address this host does not have', async () => {
    expect(await canBindDatagram('127.0.0.1')).toBe(true)
    expect(await canBindDatagram('192.0.2.1')).toBe(false)
  })
})
