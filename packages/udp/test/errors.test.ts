import { ProtolabError } from '@protolab/core'
import { describe, expect, it } from 'vitest'
import { isUnreachable, toProtolabError } from '../src/errors.js'

function errno(code: string): Error {
  return Object.assign(new Error(`${code} from the OS`), { code })
}

const bind = { kind: 'bind', address: '127.0.0.1', port: 8080 } as const
const send = { kind: 'send', address: '192.0.2.1', port: 9, size: 70_000, limit: 65507 } as const

describe('toProtolabError', () => {
  it.each<[string, typeof bind | typeof send, string, Record<string, unknown>]>([
    ['EADDRINUSE', bind, 'ERR_PORT_IN_USE', { address: '127.0.0.1', port: 8080 }],
    ['EADDRNOTAVAIL', bind, 'ERR_ADDRESS_NOT_AVAILABLE', { address: '127.0.0.1' }],
    ['EACCES', bind, 'ERR_PERMISSION_DENIED', {}],
    ['EACCES', send, 'ERR_PERMISSION_DENIED', {}],
    ['EPERM', send, 'ERR_PERMISSION_DENIED', {}],
    ['EMSGSIZE', send, 'ERR_MESSAGE_TOO_LARGE', { size: 70_000, limit: 65507 }],
    ['ECONNREFUSED', send, 'ERR_PEER_UNREACHABLE', { address: '192.0.2.1', port: 9 }],
    ['EHOSTUNREACH', send, 'ERR_PEER_UNREACHABLE', {}],
    ['ENETUNREACH', send, 'ERR_PEER_UNREACHABLE', {}],
    ['ENOTFOUND', send, 'ERR_INVALID_ADDRESS', {}],
    ['ERR_SOCKET_DGRAM_NOT_RUNNING', send, 'ERR_CLOSED', {}],
    ['EINVAL', bind, 'ERR_ADDRESS_NOT_AVAILABLE', {}],
  ])('maps %s on %o to %s', (code, operation, expected, fields) => {
    const error = toProtolabError(errno(code), operation)
    expect(error).toBeInstanceOf(ProtolabError)
    expect(error).toMatchObject({ code: expected, ...fields })
  })

  it('names the bind port in ERR_PORT_IN_USE and keeps the OS error as cause', () => {
    const cause = errno('EADDRINUSE')
    const error = toProtolabError(cause, bind)
    expect(error.message).toContain('8080')
    expect(error.cause).toBe(cause)
  })

  it('passes a ProtolabError through unchanged', () => {
    const original = new ProtolabError('ERR_TIMEOUT', 'slow')
    expect(toProtolabError(original, bind)).toBe(original)
  })

  it('tells ICMP unreachable errors apart from the rest', () => {
    expect(isUnreachable(errno('ECONNREFUSED'))).toBe(true)
    expect(isUnreachable(errno('EHOSTUNREACH'))).toBe(true)
    expect(isUnreachable(errno('EBADF'))).toBe(false)
    expect(isUnreachable(new Error('no code'))).toBe(false)
  })
})
