import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { type Framing, isProtolabError, lengthFraming, lineFraming } from '../src/index.js'
import { cutPositions, hexOf, splitAt } from './helpers.js'

const cuts = cutPositions(4000, 12)

/** Random stream bytes, mostly zeros, so that random length prefixes are often small enough to be read. */
const zeroHeavyBytes = fc
  .array(fc.oneof({ arbitrary: fc.constant(0), weight: 3 }, { arbitrary: fc.nat({ max: 255 }), weight: 1 }), {
    maxLength: 200,
  })
  .map((bytes) => Uint8Array.from(bytes))

function concat(parts: readonly Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts))
}

interface Outcome {
  frames: string[]
  /** The error code the decoder stopped with, if any. */
  error?: string
  /** The most bytes the decoder held at once. */
  peakBufferedBytes: number
}

/** Decodes the chunks and the end of the stream; a ProtolabError is part of the outcome, anything else fails the test. */
function decode(framing: Framing, maxFrameBytes: number, chunks: readonly Uint8Array[]): Outcome {
  const decoder = framing.createDecoder({ maxFrameBytes })
  const outcome: Outcome = { frames: [], peakBufferedBytes: 0 }
  const onFrame = (frame: Uint8Array): void => {
    outcome.frames.push(hexOf(frame))
  }
  try {
    for (const chunk of chunks) {
      decoder.push(chunk, onFrame)
      outcome.peakBufferedBytes = Math.max(outcome.peakBufferedBytes, decoder.bufferedBytes)
    }
    decoder.end(onFrame)
  } catch (error) {
    if (!isProtolabError(error)) throw error
    outcome.error = error.code
  }
  return outcome
}

/** Frames a line can carry: no `\n`, and no `\r` at the end (the decoder strips it as CRLF). */
const lineFrame = fc
  .uint8Array({ maxLength: 300 })
  .map((bytes) => bytes.map((byte) => (byte === 10 ? 32 : byte)))
  .filter((bytes) => bytes[bytes.length - 1] !== 13)

describe('length framing properties', () => {
  it('any frames, encoded, concatenated and split anywhere, decode to the same frames', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 20 }),
        cuts,
        (frames, positions) => {
          const stream = concat(frames.map((frame) => lengthFraming.encode(frame)))
          const outcome = decode(lengthFraming, 300, splitAt(stream, positions))
          expect(outcome.error).toBeUndefined()
          expect(outcome.frames).toEqual(frames.map(hexOf))
          expect(outcome.peakBufferedBytes).toBeLessThanOrEqual(4 + 300)
        },
      ),
      { numRuns: 3000 },
    )
  })

  it('bytes read straight into each offered directReadTarget decode to the same frames, which later reads leave alone', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 20 }),
        fc.array(fc.integer({ min: 1, max: 400 }), { minLength: 1, maxLength: 50 }),
        fc.nat({ max: 300 }),
        (frames, readSizes, minFrameBytes) => {
          const stream = concat(frames.map((frame) => lengthFraming.encode(frame)))
          const decoder = lengthFraming.createDecoder({ maxFrameBytes: 300 })
          const decoded: Uint8Array[] = []
          const onFrame = (frame: Uint8Array): void => {
            decoded.push(frame)
          }
          // A socket's reads: into the decoder's target when it offers one, else into a chunk of their own.
          for (let offset = 0, read = 0; offset < stream.length; read++) {
            const target = decoder.directReadTarget!(minFrameBytes)
            const wanted = Math.min(readSizes[read % readSizes.length]!, stream.length - offset)
            const bytes = stream.subarray(offset, offset + Math.min(wanted, target?.length ?? wanted))
            const memory = target ?? new Uint8Array(bytes.length)
            memory.set(bytes)
            decoder.push(memory.subarray(0, bytes.length), onFrame)
            offset += bytes.length
          }
          decoder.end(onFrame)
          expect(decoded.map(hexOf)).toEqual(frames.map(hexOf))
        },
      ),
      { numRuns: 3000 },
    )
  })

  it('random bytes with a small maximum: only ERR_FRAME_TOO_LARGE or ERR_INVALID_FRAME, frames within the maximum', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.uint8Array({ maxLength: 200 }), zeroHeavyBytes),
        fc.nat({ max: 64 }),
        cuts,
        (bytes, max, positions) => {
          const outcome = decode(lengthFraming, max, splitAt(bytes, positions))
          if (outcome.error !== undefined)
            expect(['ERR_FRAME_TOO_LARGE', 'ERR_INVALID_FRAME']).toContain(outcome.error)
          for (const frame of outcome.frames) expect(frame.length / 2).toBeLessThanOrEqual(max)
          expect(outcome.peakBufferedBytes).toBeLessThanOrEqual(4 + max)
        },
      ),
      { numRuns: 5000 },
    )
  })

  it('random bytes decode the same, frames and error, however they are split', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.uint8Array({ maxLength: 200 }), zeroHeavyBytes),
        fc.nat({ max: 64 }),
        cuts,
        (bytes, max, positions) => {
          const whole = decode(lengthFraming, max, [bytes])
          const split = decode(lengthFraming, max, splitAt(bytes, positions))
          expect(split.frames).toEqual(whole.frames)
          expect(split.error).toBe(whole.error)
        },
      ),
      { numRuns: 3000 },
    )
  })

  it('prefixes up to 4 GiB over a small maximum are refused with nothing held but the prefix', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1025, max: 0xffff_ffff }), cuts, (length, positions) => {
        const stream = concat([
          Uint8Array.of(length >>> 24, length >>> 16, length >>> 8, length),
          new Uint8Array(8),
        ])
        const outcome = decode(lengthFraming, 1024, splitAt(stream, positions))
        expect(outcome.error).toBe('ERR_FRAME_TOO_LARGE')
        expect(outcome.peakBufferedBytes).toBeLessThanOrEqual(3)
      }),
      { numRuns: 2000 },
    )
  })
})

describe('line framing properties', () => {
  it('any frames without a newline, encoded, concatenated and split anywhere, decode to the same frames', () => {
    fc.assert(
      fc.property(fc.array(lineFrame, { maxLength: 20 }), cuts, (frames, positions) => {
        const stream = concat(frames.map((frame) => lineFraming.encode(frame)))
        const outcome = decode(lineFraming, 300, splitAt(stream, positions))
        expect(outcome.error).toBeUndefined()
        expect(outcome.frames).toEqual(frames.map(hexOf))
        expect(outcome.peakBufferedBytes).toBeLessThanOrEqual(300 + 1)
      }),
      { numRuns: 3000 },
    )
  })

  it('CRLF line endings decode to the same frames as LF', () => {
    fc.assert(
      fc.property(fc.array(lineFrame, { maxLength: 20 }), cuts, (frames, positions) => {
        const stream = concat(frames.flatMap((frame) => [frame, Uint8Array.of(13, 10)]))
        expect(decode(lineFraming, 300, splitAt(stream, positions)).frames).toEqual(frames.map(hexOf))
      }),
      { numRuns: 2000 },
    )
  })

  it('random bytes with a small maximum: only ERR_FRAME_TOO_LARGE, frames within the maximum and free of \\n', () => {
    const newlineByte = /^(..)*0a/
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.nat({ max: 64 }), cuts, (bytes, max, positions) => {
        const outcome = decode(lineFraming, max, splitAt(bytes, positions))
        if (outcome.error !== undefined) expect(outcome.error).toBe('ERR_FRAME_TOO_LARGE')
        for (const frame of outcome.frames) {
          expect(frame.length / 2).toBeLessThanOrEqual(max)
          expect(frame).not.toMatch(newlineByte)
        }
        expect(outcome.peakBufferedBytes).toBeLessThanOrEqual(max + 1)
      }),
      { numRuns: 5000 },
    )
  })

  it('random bytes decode the same, frames and error, however they are split', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 200 }).map((bytes) => bytes.map((byte) => (byte % 4 === 0 ? 10 : byte))),
        fc.nat({ max: 64 }),
        cuts,
        (bytes, max, positions) => {
          const whole = decode(lineFraming, max, [bytes])
          const split = decode(lineFraming, max, splitAt(bytes, positions))
          expect(split.frames).toEqual(whole.frames)
          expect(split.error).toBe(whole.error)
        },
      ),
      { numRuns: 3000 },
    )
  })
})
