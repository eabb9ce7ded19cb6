import { describe, expect, it } from 'vitest'
import {
  FrameTooLargeError,
  InvalidArgumentError,
  InvalidFrameError,
  isProtolabError,
  lengthFraming,
} from '../src/index.js'
import { bytesOf, decodeChunks, hexOf, thrown } from './helpers.js'

/** Two frames and an empty one, as they travel: 00000003 616263 | 00000000 | 00000002 0a0b */
const STREAM = bytesOf('00000003616263 00000000 000000020a0b')
const FRAMES = ['616263', '', '0a0b']

describe('lengthFraming.encode', () => {
  it('writes a 4-byte big-endian length, then the payload', () => {
    expect(hexOf(lengthFraming.encode(bytesOf('616263')))).toBe('00000003616263')
    expect(hexOf(lengthFraming.encode(new Uint8Array(0)))).toBe('00000000')
    expect(hexOf(lengthFraming.encode(new Uint8Array(0x01_02_03)).subarray(0, 4))).toBe('00010203')
    expect(lengthFraming.overheadBytes).toBe(4)
    expect(lengthFraming.name).toBe('length')
  })

  it('encodes a view with its own bytes only', () => {
    const backing = bytesOf('ff616263ff')
    expect(hexOf(lengthFraming.encode(backing.subarray(1, 4)))).toBe('00000003616263')
  })

  it('refuses what is not bytes', () => {
    expect(() => lengthFraming.encode('abc' as unknown as Uint8Array)).toThrow(InvalidArgumentError)
  })
})

describe('lengthFraming decoder', () => {
  it('decodes frames from one chunk', () => {
    expect(decodeChunks(lengthFraming.createDecoder(), [STREAM], hexOf)).toEqual(FRAMES)
  })

  it('decodes a frame spanning multiple writes, at every pair of split points', () => {
    for (let first = 0; first <= STREAM.length; first++) {
      for (let second = first; second <= STREAM.length; second++) {
        const chunks = [STREAM.subarray(0, first), STREAM.subarray(first, second), STREAM.subarray(second)]
        expect(
          decodeChunks(lengthFraming.createDecoder(), chunks, hexOf),
          `split at ${first}, ${second}`,
        ).toEqual(FRAMES)
      }
    }
  })

  it('decodes a stream fed one byte per write', () => {
    const chunks = Array.from(STREAM, (byte) => Uint8Array.of(byte))
    expect(decodeChunks(lengthFraming.createDecoder(), chunks, hexOf)).toEqual(FRAMES)
  })

  it('delivers a frame inside one chunk as a view of that chunk, without copying', () => {
    const chunk = Buffer.from(STREAM)
    const frames: Uint8Array[] = []
    lengthFraming.createDecoder().push(chunk, (frame) => frames.push(frame))
    expect(frames).toHaveLength(3)
    expect(frames[0]!.buffer).toBe(chunk.buffer)
    expect(frames[0]!.byteOffset).toBe(chunk.byteOffset + 4)
    expect(frames[2]!.buffer).toBe(chunk.buffer)
  })

  it('assembles a split frame into memory of its own, so later changes to the chunks do not reach it', () => {
    const first = bytesOf('00000003 6162')
    const second = bytesOf('63')
    const frames: Uint8Array[] = []
    const decoder = lengthFraming.createDecoder()
    decoder.push(first, (frame) => frames.push(frame))
    expect(decoder.bufferedBytes).toBe(6)
    decoder.push(second, (frame) => frames.push(frame))
    expect(decoder.bufferedBytes).toBe(0)
    first.fill(0)
    second.fill(0)
    expect(frames.map(hexOf)).toEqual(['616263'])
    expect(frames[0]!.byteLength).toBe(3)
  })

  it('assembles a frame larger than the exact-allocation size from many chunks', () => {
    const payload = new Uint8Array(300_000).map((_, i) => (i * 7) & 0xff)
    const stream = lengthFraming.encode(payload)
    const chunks: Uint8Array[] = []
    for (let offset = 0; offset < stream.length; offset += 1000)
      chunks.push(stream.subarray(offset, offset + 1000))
    const frames: Uint8Array[] = []
    const decoder = lengthFraming.createDecoder({ maxFrameBytes: 300_000 })
    for (const chunk of chunks) decoder.push(chunk, (frame) => frames.push(frame))
    expect(frames).toHaveLength(1)
    expect(frames[0]!.byteLength).toBe(300_000)
    expect(Buffer.compare(frames[0]!, payload)).toBe(0)
  })

  it('offers the rest of a large frame as a read target, and makes a frame of the bytes read there without a copy', () => {
    const payload = new Uint8Array(60_000).map((_, i) => i & 0xff)
    const stream = Buffer.concat([lengthFraming.encode(payload), lengthFraming.encode(Uint8Array.of(9))])
    const decoder = lengthFraming.createDecoder()
    const frames: Uint8Array[] = []
    const onFrame = (frame: Uint8Array): void => {
      frames.push(frame)
    }
    expect(decoder.directReadTarget!(1)).toBeUndefined()
    decoder.push(stream.subarray(0, 1000), onFrame)
    expect(decoder.directReadTarget!(60_001)).toBeUndefined()
    // The rest of the frame and the next prefix, and not a byte more.
    const target = decoder.directReadTarget!(16 * 1024)!
    expect(target.length).toBe(60_004 - 1000 + 4)
    target.set(stream.subarray(1000, 1000 + target.length))
    decoder.push(target, onFrame)
    decoder.push(stream.subarray(1000 + target.length), onFrame)
    expect(frames.map((frame) => frame.length)).toEqual([60_000, 1])
    expect(Buffer.compare(frames[0]!, payload)).toBe(0)
    expect(frames[0]!.buffer).toBe(target.buffer)
    expect([...frames[1]!]).toEqual([9])
  })

  it('reads a frame larger than the exact-allocation size through its read targets, growing as bytes arrive', () => {
    const payload = new Uint8Array(300_000).map((_, i) => (i * 7) & 0xff)
    const stream = lengthFraming.encode(payload)
    const decoder = lengthFraming.createDecoder({ maxFrameBytes: 300_000 })
    const frames: Uint8Array[] = []
    decoder.push(stream.subarray(0, 10), (frame) => frames.push(frame))
    let offset = 10
    while (offset < stream.length) {
      const target = decoder.directReadTarget!(1)!
      expect(decoder.bufferedBytes).toBe(offset)
      const bytes = stream.subarray(offset, offset + Math.min(target.length, 50_000))
      target.set(bytes)
      decoder.push(target.subarray(0, bytes.length), (frame) => frames.push(frame))
      offset += bytes.length
    }
    expect(frames).toHaveLength(1)
    expect(Buffer.compare(frames[0]!, payload)).toBe(0)
  })

  it('accepts a frame of exactly the maximum and refuses one byte more', () => {
    expect(decodeChunks(lengthFraming.createDecoder({ maxFrameBytes: 3 }), [STREAM], hexOf)).toEqual(FRAMES)
    const error = thrown(() =>
      decodeChunks(lengthFraming.createDecoder({ maxFrameBytes: 2 }), [STREAM], hexOf),
    )
    expect(error).toBeInstanceOf(FrameTooLargeError)
    expect(error).toMatchObject({ code: 'ERR_FRAME_TOO_LARGE', size: 3, limit: 2 })
  })

  it('refuses a 4 GiB prefix as soon as it is read, holding nothing', () => {
    const decoder = lengthFraming.createDecoder({ maxFrameBytes: 1024 })
    const error = thrown(() => decoder.push(bytesOf('ffffffff 61'), () => {}))
    expect(error).toMatchObject({ code: 'ERR_FRAME_TOO_LARGE', size: 0xffff_ffff, limit: 1024 })
    expect(decoder.bufferedBytes).toBeLessThanOrEqual(4)
  })

  it('refuses a 4 GiB prefix that arrives one byte at a time, on its last byte', () => {
    const decoder = lengthFraming.createDecoder()
    for (const byte of [0xff, 0xff, 0xff]) decoder.push(Uint8Array.of(byte), () => {})
    expect(decoder.bufferedBytes).toBe(3)
    expect(() => decoder.push(Uint8Array.of(0xff), () => {})).toThrow(FrameTooLargeError)
  })

  it('holds only the bytes that arrived of a large frame', () => {
    const decoder = lengthFraming.createDecoder()
    decoder.push(bytesOf('01000000 616263'), () => {})
    expect(decoder.bufferedBytes).toBe(7)
  })

  it('stays broken after an error: every later call throws the same error', () => {
    const decoder = lengthFraming.createDecoder({ maxFrameBytes: 1 })
    const error = thrown(() => decoder.push(bytesOf('00000005'), () => {}))
    expect(thrown(() => decoder.push(bytesOf('00000000'), () => {}))).toBe(error)
    expect(thrown(() => decoder.end(() => {}))).toBe(error)
  })

  it('passes on an error thrown by onFrame and stops there', () => {
    const decoder = lengthFraming.createDecoder()
    const failure = new Error('consumer failed')
    const seen: string[] = []
    const error = thrown(() =>
      decoder.push(STREAM, (frame) => {
        seen.push(hexOf(frame))
        throw failure
      }),
    )
    expect(error).toBe(failure)
    expect(seen).toEqual(['616263'])
    expect(thrown(() => decoder.push(STREAM, () => {}))).toBe(failure)
  })

  it.each([
    ['inside the prefix', '0000'],
    ['inside the payload', '00000003 6162'],
    ['after the prefix', '00000003'],
  ])('ending %s is InvalidFrameError', (_where, hex) => {
    const decoder = lengthFraming.createDecoder()
    decoder.push(bytesOf(hex), () => {})
    const error = thrown(() => decoder.end(() => {}))
    expect(error).toBeInstanceOf(InvalidFrameError)
    expect(isProtolabError(error, 'ERR_INVALID_FRAME')).toBe(true)
  })

  it('ends cleanly between frames, and ignores empty chunks', () => {
    expect(
      decodeChunks(lengthFraming.createDecoder(), [new Uint8Array(0), STREAM, new Uint8Array(0)], hexOf),
    ).toEqual(FRAMES)
    expect(decodeChunks(lengthFraming.createDecoder(), [], hexOf)).toEqual([])
  })

  it.each([-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '16' as unknown as number])(
    'refuses maxFrameBytes %s',
    (maxFrameBytes) => {
      expect(() => lengthFraming.createDecoder({ maxFrameBytes })).toThrow(InvalidArgumentError)
    },
  )

  it('refuses a chunk that is not bytes', () => {
    expect(() => lengthFraming.createDecoder().push([0, 0, 0, 0] as unknown as Uint8Array, () => {})).toThrow(
      InvalidArgumentError,
    )
  })
})
