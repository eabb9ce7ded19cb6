import { lengthFraming, lineFraming } from '@protolab/core'
import { TCP_SEMANTICS, tcp } from '@protolab/tcp'
import { describe, expect, it } from 'vitest'
import { resolveOpenOptions, resolveTcpInit } from '../src/options.js'

describe('TcpInit', () => {
  it('fills in the documented defaults', () => {
    const settings = resolveTcpInit()
    expect(settings.framing).toBe(lineFraming)
    expect(settings).toMatchObject({
      maxFrameBytes: 16 * 1024 * 1024,
      noDelay: true,
      maxConnections: Number.POSITIVE_INFINITY,
      idleTimeoutMs: 0,
      highWaterMark: 1024 * 1024,
      keepAlive: false,
    })
  })

  it('takes a framing by name or as an object', () => {
    expect(resolveTcpInit({ framing: 'length' }).framing).toBe(lengthFraming)
    expect(resolveTcpInit({ framing: lengthFraming }).framing).toBe(lengthFraming)
  })

  it('reads keepAlive as off, on, or on after a delay in ms', () => {
    expect(resolveTcpInit({ keepAlive: true })).toMatchObject({ keepAlive: true, keepAliveInitialDelayMs: 0 })
    expect(resolveTcpInit({ keepAlive: 30_000 })).toMatchObject({
      keepAlive: true,
      keepAliveInitialDelayMs: 30_000,
    })
  })

  it.each([
    ['an unknown framing', { framing: 'json' }],
    ['a framing object without a decoder', { framing: { name: 'line', encode: () => new Uint8Array() } }],
    ['maxFrameBytes 0', { maxFrameBytes: 0 }],
    ['maxFrameBytes 1.5', { maxFrameBytes: 1.5 }],
    ['noDelay "yes"', { noDelay: 'yes' }],
    ['maxConnections 0', { maxConnections: 0 }],
    ['maxConnections -1', { maxConnections: -1 }],
    ['idleTimeoutMs -5', { idleTimeoutMs: -5 }],
    ['idleTimeoutMs past what a timer holds', { idleTimeoutMs: 2 ** 31 }],
    ['idleTimeoutMs NaN', { idleTimeoutMs: Number.NaN }],
    ['highWaterMark 0', { highWaterMark: 0 }],
    ['keepAlive "1s"', { keepAlive: '1s' }],
    ['a misspelt option', { idleTimeout: 1000 }],
  ])('refuses %s with ERR_INVALID_ARGUMENT', (_, init) => {
    expect(() => tcp(init as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }))
  })
})

describe('OpenOptions', () => {
  it('listens on 127.0.0.1 and an OS-chosen port unless told otherwise', () => {
    expect(resolveOpenOptions({ listen: true })).toMatchObject({ kind: 'listen', host: '127.0.0.1', port: 0 })
  })

  it("reads '' as every interface", () => {
    expect(resolveOpenOptions({ listen: true, bind: { host: '' } })).toMatchObject({ host: undefined })
  })

  it('connects to `peer`, from `bind` when given', () => {
    expect(
      resolveOpenOptions({ peer: { address: '::1', port: 7 }, bind: { host: '::1', port: 40_000 } }),
    ).toMatchObject({ kind: 'connect', address: '::1', port: 7, localAddress: '::1', localPort: 40_000 })
    expect(resolveOpenOptions({ peer: { address: 'localhost', port: 7 } })).toMatchObject({
      localAddress: undefined,
      localPort: undefined,
    })
  })

  it.each([
    ['nothing', undefined, 'ERR_INVALID_ARGUMENT'],
    ['neither peer nor listen', {}, 'ERR_INVALID_ARGUMENT'],
    [
      'both peer and listen',
      { listen: true, peer: { address: '127.0.0.1', port: 7 } },
      'ERR_INVALID_ARGUMENT',
    ],
    ['listen "yes"', { listen: 'yes' }, 'ERR_INVALID_ARGUMENT'],
    ['a signal that is not an AbortSignal', { listen: true, signal: {} }, 'ERR_INVALID_ARGUMENT'],
    ['an unknown option', { listen: true, host: '127.0.0.1' }, 'ERR_INVALID_ARGUMENT'],
    ['peer port 0', { peer: { address: '127.0.0.1', port: 0 } }, 'ERR_INVALID_ADDRESS'],
    ['peer port 65536', { peer: { address: '127.0.0.1', port: 65_536 } }, 'ERR_PORT_RANGE'],
    ['a peer that is no host', { peer: { address: 'a b', port: 7 } }, 'ERR_INVALID_ADDRESS'],
    ['an empty peer address', { peer: { address: '', port: 7 } }, 'ERR_INVALID_ADDRESS'],
    ['bind port 1.5', { listen: true, bind: { port: 1.5 } }, 'ERR_PORT_RANGE'],
    ['bind host 300.1.1.1', { listen: true, bind: { host: '300.1.1.1' } }, 'ERR_INVALID_ADDRESS'],
  ])('refuses %s', async (_, options, code) => {
    await expect(tcp().open(options as never)).rejects.toMatchObject({ code })
  })
})

describe('TCP_SEMANTICS', () => {
  it('promises reliable, ordered delivery over a connection, without message boundaries', () => {
    expect(TCP_SEMANTICS).toEqual({
      reliable: true,
      ordered: true,
      messageBoundaries: false,
      connectionOriented: true,
    })
    expect(tcp().semantics).toBe(TCP_SEMANTICS)
    expect(tcp().name).toBe('tcp')
  })
})
