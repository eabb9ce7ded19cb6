import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { frameDatagram, isProtolabError, unframeDatagram } from '../src/index.js'

describe('datagram framing', () => {
  const text = (frame: Uint8Array): string => Buffer.from(frame).toString()

  it('keeps a raw datagram whole, and cuts framed ones into their frames', () => {
    const raw = Buffer.from('a\nb')
    expect(unframeDatagram('raw', raw, 100)).toEqual([raw])
    expect(unframeDatagram('line', Buffer.from('one\ntwo\nthree'), 100).map(text)).toEqual([
      'one',
      'two',
      'three',
    ])
    const framed = frameDatagram('length', Buffer.from('hi'))
    expect([...framed]).toEqual([0, 0, 0, 2, 0x68, 0x69])
    expect(unframeDatagram('length', framed, 100).map(text)).toEqual(['hi'])
  })

  it('refuses a datagram that holds a cut frame', () => {
    expect(() => unframeDatagram('length', Buffer.from([0, 0, 0, 9, 1]), 100)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_FRAME' }),
    )
  })

  it('line and length framing on random datagrams: frames within the maximum, or a typed error', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('line' as const, 'length' as const, 'raw' as const),
        fc.oneof(
          fc.uint8Array({ maxLength: 300 }),
          fc.uint8Array({ maxLength: 300 }).map((bytes) => bytes.map((byte) => (byte % 4 === 0 ? 0 : byte))),
        ),
        fc.integer({ min: 1, max: 100 }),
        (framing, datagram, max) => {
          try {
            const frames = unframeDatagram(framing, datagram, max)
            if (framing === 'raw') expect(frames).toEqual([datagram])
            else for (const frame of frames) expect(frame.byteLength).toBeLessThanOrEqual(max)
          } catch (error) {
            if (!isProtolabError(error)) throw error
            expect(['ERR_FRAME_TOO_LARGE', 'ERR_INVALID_FRAME']).toContain(error.code)
          }
        },
      ),
      { numRuns: 5000 },
    )
  })
})
