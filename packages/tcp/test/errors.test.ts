import { ProtolabError } from '@protolab/core'
import { describe, expect, it } from 'vitest'
import { type SocketOperation, toProtolabError } from '../src/errors.js'

const errno = (code: string): Error => Object.assign(new Error(`${code} (from the OS)`), { code })
const listen: SocketOperation = { kind: 'listen', address: '127.0.0.1', port: 8080 }
const connect: SocketOperation = {
  kind: 'connect',
  address: '127.0.0.1',
  port: 9,
  localAddress: '127.0.0.1',
  localPort: 5000,
}
const io: SocketOperation = { kind: 'io', peer: '127.0.0.1:5000' }

describe('toProtolabError', () => {
  it.each([
    ['EADDRINUSE', listen, 'ERR_PORT_IN_USE', { address: '127.0.0.1', port: 8080 }],
    ['EADDRINUSE', connect, 'ERR_PORT_IN_USE', { address: '127.0.0.1', port: 5000 }],
    ['EADDRNOTAVAIL', listen, 'ERR_ADDRESS_NOT_AVAILABLE', { address: '127.0.0.1' }],
    ['EACCES', listen, 'ERR_PERMISSION_DENIED', {}],
    ['ECONNREFUSED', connect, 'ERR_PEER_UNREACHABLE', { address: '127.0.0.1', port: 9 }],
    ['EHOSTUNREACH', connect, 'ERR_PEER_UNREACHABLE', { port: 9 }],
    ['ENOTFOUND', connect, 'ERR_PEER_UNREACHABLE', { port: 9 }],
    ['ETIMEDOUT', connect, 'ERR_PEER_UNREACHABLE', { port: 9 }],
    ['ECONNRESET', io, 'ERR_PEER_RESET', {}],
    ['EPIPE', io, 'ERR_PEER_RESET', {}],
    ['ETIMEDOUT', io, 'ERR_TIMEOUT', {}],
  ] as const)('maps %s while %o to %s', (code, operation, expected, fields) => {
    const cause = errno(code)
    const error = toProtolabError(cause, operation)
    expect(error).toBeInstanceOf(ProtolabError)
    expect(error).toMatchObject({ code: expected, ...fields })
  })

  it('keeps the original error as `cause` and says which errno it was', () => {
    const cause = errno('ECONNRESET')
    const error = toProtolabError(cause, io)
    expect(error.cause).toBe(cause)
    expect(error.message).toContain('ECONNRESET')
    expect(error.message).toContain('127.0.0.1:5000')
  })

  it('passes a ProtolabError through unchanged', () => {
    const original = new ProtolabError('ERR_FRAME_TOO_LARGE', 'too big')
    expect(toProtolabError(original, io)).toBe(original)
  })
})
