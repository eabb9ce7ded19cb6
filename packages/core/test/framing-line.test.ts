import { describe, expect, it } from 'vitest'
import { FrameTooLargeError, InvalidArgumentError, InvalidFrameError, lineFraming } from '../src/index.js'
import { decodeChunks, thrown } from './helpers.js'

const text = (value: string): Uint8Array => new Uint8Array(Buffer.from(value, 'latin1'))
const textOf = (bytes: Uint8Array): string => Buffer.from(bytes).toString('latin1')

const STREAM = text('hello\nCRLF\r\n\nlast')
const FRAMES = ['hello', 'CRLF', '', 'last']

describe('lineFraming.encode', () => {
  it('appends a newline', () => {
    expect(textOf(lineFraming.encode(text('abc')))).toBe('abc\n')
    expect(textOf(lineFraming.encode(new Uint8Array(0)))).toBe('\n')
    expect(textOf(lineFraming.encode(text('a\rb')))).toBe('a\rb\n')
    expect(lineFraming.overheadBytes).toBe(1)
    expect(lineFraming.name).toBe('line')
  })

  it('encodes a view with its own bytes only', () => {
    expect(textOf(lineFraming.encode(text('\nabc\n').subarray(1, 4)))).toBe('abc\n')
  })

  it('refuses a newline inside a frame, and a trailing \\r the decoder would strip', () => {
    expect(() => lineFraming.encode(text('a\nb'))).toThrow(InvalidFrameError)
    expect(() => lineFraming.encode(text('ab\r'))).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_FRAME' }),
    )
  })
})

describe('lineFraming decoder', () => {
  it('splits lines, strips one \\r before each \\n, keeps empty lines, and delivers an unterminated last line', () => {
    expect(decodeChunks(lineFraming.createDecoder(), [STREAM], textOf)).toEqual(FRAMES)
    expect(decodeChunks(lineFraming.createDecoder(), [text('a\r\r\n')], textOf)).toEqual(['a\r'])
  })

  it('decodes a line spanning multiple writes, at every pair of split points', () => {
    for (let first = 0; first <= STREAM.length; first++) {
      for (let second = first; second <= STREAM.length; second++) {
        const chunks = [STREAM.subarray(0, first), STREAM.subarray(first, second), STREAM.subarray(second)]
        expect(
          decodeChunks(lineFraming.createDecoder(), chunks, textOf),
          `split at ${first}, ${second}`,
        ).toEqual(FRAMES)
      }
    }
  })

  it('strips a \\r that arrived in the chunk before its \\n', () => {
    expect(decodeChunks(lineFraming.createDecoder(), [text('abc\r'), text('\ndef')], textOf)).toEqual([
      'abc',
      'def',
    ])
    expect(decodeChunks(lineFraming.createDecoder(), [text('\r'), text('\n')], textOf)).toEqual([''])
  })

  it('delivers a line inside one chunk as a view of that chunk, without copying', () => {
    const chunk = Buffer.from('one\ntwo\r\nthr')
    const frames: Uint8Array[] = []
    lineFraming.createDecoder().push(chunk, (frame) => frames.push(frame))
    expect(frames.map(textOf)).toEqual(['one', 'two'])
    expect(frames[0]!.buffer).toBe(chunk.buffer)
    expect(frames[1]!.buffer).toBe(chunk.buffer)
    expect(frames[1]!.byteOffset).toBe(chunk.byteOffset + 4)
  })

  it('assembles a split line into memory of its own', () => {
    const first = text('ab')
    const second = text('c\n')
    const frames: Uint8Array[] = []
    const decoder = lineFraming.createDecoder()
    decoder.push(first, (frame) => frames.push(frame))
    expect(decoder.bufferedBytes).toBe(2)
    decoder.push(second, (frame) => frames.push(frame))
    expect(decoder.bufferedBytes).toBe(0)
    first.fill(0)
    second.fill(0)
    expect(frames.map(textOf)).toEqual(['abc'])
  })

  it('accepts a line of exactly the maximum, with LF or CRLF, split anywhere', () => {
    const line = 'x'.repeat(8)
    for (const ending of ['\n', '\r\n']) {
      const stream = text(line + ending)
      for (let cut = 0; cut <= stream.length; cut++) {
        const chunks = [stream.subarray(0, cut), stream.subarray(cut)]
        expect(decodeChunks(lineFraming.createDecoder({ maxFrameBytes: 8 }), chunks, textOf)).toEqual([line])
      }
    }
  })

  it('refuses a line one byte over the maximum, whole or split', () => {
    const stream = text(`${'x'.repeat(9)}\n`)
    for (let cut = 0; cut <= stream.length; cut++) {
      const chunks = [stream.subarray(0, cut), stream.subarray(cut)]
      const error = thrown(() =>
        decodeChunks(lineFraming.createDecoder({ maxFrameBytes: 8 }), chunks, textOf),
      )
      expect(error, `split at ${cut}`).toBeInstanceOf(FrameTooLargeError)
    }
  })

  it('refuses a line with no newline as soon as the bytes held exceed the maximum', () => {
    const decoder = lineFraming.createDecoder({ maxFrameBytes: 8 })
    decoder.push(text('x'.repeat(8)), () => {})
    expect(decoder.bufferedBytes).toBe(8)
    const error = thrown(() => decoder.push(text('y'), () => {}))
    expect(error).toMatchObject({ code: 'ERR_FRAME_TOO_LARGE', size: 9, limit: 8 })
    expect(decoder.bufferedBytes).toBe(8)
  })

  it('refuses a long unterminated line in one chunk without holding it', () => {
    const decoder = lineFraming.createDecoder({ maxFrameBytes: 1024 })
    expect(() => decoder.push(new Uint8Array(1_000_000).fill(0x61), () => {})).toThrow(FrameTooLargeError)
    expect(decoder.bufferedBytes).toBe(0)
  })

  it('allows one \\r over the maximum while waiting for its \\n, but nothing else', () => {
    const decoder = lineFraming.createDecoder({ maxFrameBytes: 2 })
    decoder.push(text('ab\r'), () => {})
    expect(decoder.bufferedBytes).toBe(3)
    expect(() => decoder.push(text('c'), () => {})).toThrow(FrameTooLargeError)
  })

  it('stays broken after an error: every later call throws the same error', () => {
    const decoder = lineFraming.createDecoder({ maxFrameBytes: 1 })
    const error = thrown(() => decoder.push(text('abc\n'), () => {}))
    expect(thrown(() => decoder.push(text('a\n'), () => {}))).toBe(error)
    expect(thrown(() => decoder.end(() => {}))).toBe(error)
  })

  it('at the end, delivers an unterminated line without its \\r, and nothing for an empty one', () => {
    expect(decodeChunks(lineFraming.createDecoder(), [text('abc\r')], textOf)).toEqual(['abc'])
    expect(decodeChunks(lineFraming.createDecoder(), [text('abc\n')], textOf)).toEqual(['abc'])
    expect(decodeChunks(lineFraming.createDecoder(), [text('\r')], textOf)).toEqual([])
    expect(decodeChunks(lineFraming.createDecoder(), [new Uint8Array(0)], textOf)).toEqual([])
  })

  it('starts afresh after end', () => {
    const decoder = lineFraming.createDecoder()
    expect(decodeChunks(decoder, [text('one')], textOf)).toEqual(['one'])
    expect(decodeChunks(decoder, [text('two\n')], textOf)).toEqual(['two'])
  })

  it('refuses a bad maximum or a chunk that is not bytes', () => {
    expect(() => lineFraming.createDecoder({ maxFrameBytes: -5 })).toThrow(InvalidArgumentError)
    expect(() => lineFraming.createDecoder().push('a\n' as unknown as Uint8Array, () => {})).toThrow(
      InvalidArgumentError,
    )
  })
})
