import { describe, expect, it } from 'vitest'
import {
  FRAMING_NAMES,
  getFraming,
  InvalidArgumentError,
  isFramingName,
  lengthFraming,
  lineFraming,
  rawFraming,
} from '../src/index.js'

describe('rawFraming', () => {
  it('encodes a payload as itself', () => {
    const payload = Uint8Array.of(1, 2, 3)
    expect(rawFraming.encode(payload)).toBe(payload)
    expect(rawFraming.overheadBytes).toBe(0)
    expect(rawFraming.name).toBe('raw')
  })

  it('delivers every non-empty chunk as it arrives, the same object, and holds nothing', () => {
    const decoder = rawFraming.createDecoder()
    const chunks = [Uint8Array.of(1), new Uint8Array(0), Uint8Array.of(2, 10, 3)]
    const frames: Uint8Array[] = []
    for (const chunk of chunks) decoder.push(chunk, (frame) => frames.push(frame))
    decoder.end((frame) => frames.push(frame))
    expect(frames).toEqual([chunks[0], chunks[2]])
    expect(frames[1]).toBe(chunks[2])
    expect(decoder.bufferedBytes).toBe(0)
  })

  it('has no maximum to enforce, but still refuses a bad one', () => {
    const frames: Uint8Array[] = []
    rawFraming.createDecoder({ maxFrameBytes: 1 }).push(new Uint8Array(100), (frame) => frames.push(frame))
    expect(frames).toHaveLength(1)
    expect(() => rawFraming.createDecoder({ maxFrameBytes: -1 })).toThrow(InvalidArgumentError)
  })
})

describe('getFraming', () => {
  it('finds each framing by name', () => {
    expect(FRAMING_NAMES).toEqual(['line', 'length', 'raw'])
    expect(getFraming('line')).toBe(lineFraming)
    expect(getFraming('length')).toBe(lengthFraming)
    expect(getFraming('raw')).toBe(rawFraming)
    for (const name of FRAMING_NAMES) expect(getFraming(name).name).toBe(name)
  })

  it.each(['', 'LINE', 'lines', 'toString', '__proto__'])(
    'refuses "%s" with ERR_INVALID_ARGUMENT',
    (name) => {
      expect(isFramingName(name)).toBe(false)
      expect(() => getFraming(name)).toThrow(InvalidArgumentError)
      expect(() => getFraming(name)).toThrow(/line, length, raw/)
    },
  )
})
