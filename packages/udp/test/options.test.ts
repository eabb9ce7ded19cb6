import { type UdpInit, udp } from '@protolab/udp'
import { describe, expect, it } from 'vitest'
import { planOpen, resolveInit } from '../src/options.js'

describe('udp(init) validation', () => {
  it.each<[string, unknown]>([
    ['type', 'udp5'],
    ['maxMessageBytes', 0],
    ['maxMessageBytes', 65536],
    ['maxMessageBytes', 1.5],
    ['broadcast', 'yes'],
    ['recvBufferSize', -1],
    ['sendBufferSize', '64k'],
    ['reuseAddr', 1],
    ['maxQueuedMessages', 0],
    ['bufferSize', 1],
  ])('rejects %s = %j with ERR_INVALID_ARGUMENT', (key, value) => {
    expect(() => udp({ [key]: value } as UdpInit)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
    )
  })

  it('fills in the documented defaults', () => {
    expect(resolveInit()).toEqual({
      type: undefined,
      maxMessageBytes: 65535,
      broadcast: false,
      recvBufferSize: undefined,
      sendBufferSize: undefined,
      reuseAddr: false,
      maxQueuedMessages: 4096,
    })
  })
})

describe('planOpen', () => {
  const config = resolveInit()

  it('binds loopback by default, ::1 when the peer is IPv6', () => {
    expect(planOpen({ bind: {} }, config)).toEqual({
      type: 'udp4',
      bind: { host: '127.0.0.1', port: 0 },
      peer: undefined,
    })
    expect(planOpen({ bind: { port: 7 }, peer: { address: '::1', port: 9 } }, config)).toMatchObject({
      type: 'udp6',
      bind: { host: '::1', port: 7 },
    })
    expect(planOpen({ listen: true }, config).bind).toEqual({ host: '127.0.0.1', port: 0 })
  })

  it("reads '', 0.0.0.0 and :: as every interface", () => {
    expect(planOpen({ bind: { host: '' } }, config).bind?.host).toBe('0.0.0.0')
    expect(planOpen({ bind: { host: '' } }, resolveInit({ type: 'udp6' })).bind?.host).toBe('::')
    expect(planOpen({ bind: { host: '0.0.0.0' } }, config)).toMatchObject({
      type: 'udp4',
      bind: { host: '0.0.0.0' },
    })
    expect(planOpen({ bind: { host: '::' } }, config)).toMatchObject({ type: 'udp6', bind: { host: '::' } })
  })

  it('leaves the socket to the first send when there is neither bind nor peer', () => {
    expect(planOpen({}, config)).toEqual({ type: undefined, bind: undefined, peer: undefined })
    expect(planOpen({ peer: { address: '127.0.0.1', port: 9 } }, config)).toMatchObject({
      type: 'udp4',
      bind: undefined,
    })
  })

  it.each<[string, Parameters<typeof planOpen>[0], string]>([
    ['bind port 70000', { bind: { port: 70_000 } }, 'ERR_PORT_RANGE'],
    ['bind port -1', { bind: { port: -1 } }, 'ERR_PORT_RANGE'],
    ['bind port 1.5', { bind: { port: 1.5 } }, 'ERR_PORT_RANGE'],
    ['peer port 70000', { peer: { address: '127.0.0.1', port: 70_000 } }, 'ERR_PORT_RANGE'],
    ['peer port 0', { peer: { address: '127.0.0.1', port: 0 } }, 'ERR_INVALID_ADDRESS'],
    ['bind host 256.0.0.1', { bind: { host: '256.0.0.1' } }, 'ERR_INVALID_ADDRESS'],
    ['bind host with a space', { bind: { host: 'not a host' } }, 'ERR_INVALID_ADDRESS'],
    ['bind host 1.2.3', { bind: { host: '1.2.3' } }, 'ERR_INVALID_ADDRESS'],
    ['peer address ::g', { peer: { address: '::g', port: 9 } }, 'ERR_INVALID_ADDRESS'],
    [
      'IPv4 bind with an IPv6 peer',
      { bind: { host: '127.0.0.1' }, peer: { address: '::1', port: 9 } },
      'ERR_INVALID_ADDRESS',
    ],
  ])('rejects %s', (_, options, code) => {
    expect(() => planOpen(options, config)).toThrow(expect.objectContaining({ code }))
  })

  it('rejects an IPv6 bind host on a udp4 socket and an IPv4 peer on udp6', () => {
    expect(() => planOpen({ bind: { host: '::1' } }, resolveInit({ type: 'udp4' }))).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ADDRESS' }),
    )
    expect(() =>
      planOpen({ peer: { address: '127.0.0.1', port: 9 } }, resolveInit({ type: 'udp6' })),
    ).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ADDRESS' }))
  })
})
