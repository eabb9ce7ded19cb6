import fc from 'fast-check'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import {
  createEnvelopeBuffer,
  ENVELOPE_HEADER_BYTES,
  type Framing,
  isProtolabError,
  lengthFraming,
  lineFraming,
  rawFraming,
  readEnvelope,
  writeEnvelope,
} from '../src/index.js'
import { cutPositions, hexOf, splitAt } from './helpers.js'

/**
 * Hostile input for every frame decoder: random bytes cut anywhere, prefixes up to 4 GiB,
 * truncated streams, and the lab envelope read from what a length decoder hands out. What
 * `framing-properties.test.ts` already proves (round trips, split-independence of line and
 * length) is not repeated; here every decoder is watched by a wrapper that measures what it holds
 * and every buffer it allocates.
 */

const cuts = cutPositions(600, 16)

function concat(parts: readonly Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts))
}

/** Sizes of every Buffer.allocUnsafe/alloc call made while a decoder runs (the decoders' only allocators). */
let allocations: number[] = []

beforeEach(() => {
  allocations = []
  const allocUnsafe = Buffer.allocUnsafe.bind(Buffer)
  const alloc = Buffer.alloc.bind(Buffer)
  vi.spyOn(Buffer, 'allocUnsafe').mockImplementation((size: number) => {
    allocations.push(size)
    return allocUnsafe(size)
  })
  vi.spyOn(Buffer, 'alloc').mockImplementation((size: number, fill?, encoding?) => {
    allocations.push(size)
    return alloc(size, fill, encoding)
  })
})

afterEach(() => {
  vi.restoreAllMocks()
})

/** What one decoder did with one stream, as measured from outside. */
interface Watched {
  readonly frames: Uint8Array[]
  /** The code of the ProtolabError the decoder stopped with, if any. */
  readonly error: string | undefined
  readonly peakBufferedBytes: number
  readonly peakAllocationBytes: number
  readonly pushedBytes: number
}

/**
 * Feeds `chunks` then the end of the stream to a fresh decoder, recording the frames, the most
 * bytes it held, and the largest buffer it allocated. Anything thrown that is not a
 * ProtolabError fails the test (it is rethrown).
 */
function watch(framing: Framing, maxFrameBytes: number, chunks: readonly Uint8Array[]): Watched {
  const decoder = framing.createDecoder({ maxFrameBytes })
  allocations = []
  const frames: Uint8Array[] = []
  const onFrame = (frame: Uint8Array): void => {
    frames.push(Uint8Array.from(frame))
  }
  let peakBufferedBytes = 0
  let pushedBytes = 0
  let error: string | undefined
  try {
    for (const chunk of chunks) {
      pushedBytes += chunk.length
      decoder.push(chunk, onFrame)
      peakBufferedBytes = Math.max(peakBufferedBytes, decoder.bufferedBytes)
    }
    decoder.end(onFrame)
  } catch (caught) {
    if (!isProtolabError(caught)) throw caught
    error = caught.code
    // A decoder that failed stays failed, with the same typed error, whatever comes next.
    expect(() => decoder.push(Uint8Array.of(1, 2, 3), onFrame)).toThrow(caught)
    expect(() => decoder.end(onFrame)).toThrow(caught)
  }
  const peakAllocationBytes = allocations.reduce((a, b) => Math.max(a, b), 0)
  return { frames, error, peakBufferedBytes, peakAllocationBytes, pushedBytes }
}

/** Random bytes, some mostly zeros so that random length prefixes are small enough to be read. */
const streamBytes = fc.oneof(
  fc.uint8Array({ maxLength: 600 }),
  fc
    .array(
      fc.oneof({ arbitrary: fc.constant(0), weight: 4 }, { arbitrary: fc.nat({ max: 255 }), weight: 1 }),
      {
        maxLength: 600,
      },
    )
    .map((bytes) => Uint8Array.from(bytes)),
  fc
    .uint8Array({ maxLength: 600 })
    .map((bytes) => bytes.map((byte) => (byte % 5 === 0 ? 10 : byte % 7 === 0 ? 13 : byte))),
)

/** How many bytes a decoder may hold beyond the longest frame: length's 4-byte prefix, line's pending `\r`. */
const HELD_OVERHEAD: Readonly<Record<Framing['name'], number>> = { length: 4, line: 1, raw: 0 }

describe('every frame decoder on random bytes, split anywhere', () => {
  it.each([lengthFraming, lineFraming])(
    '$name: only typed errors; frames, held bytes and allocations stay within the maximum',
    (framing) => {
      fc.assert(
        fc.property(streamBytes, fc.nat({ max: 300 }), cuts, (bytes, max, positions) => {
          const watched = watch(framing, max, splitAt(bytes, positions))
          if (watched.error !== undefined) {
            expect(['ERR_FRAME_TOO_LARGE', 'ERR_INVALID_FRAME']).toContain(watched.error)
          }
          for (const frame of watched.frames) expect(frame.byteLength).toBeLessThanOrEqual(max)
          expect(watched.peakBufferedBytes).toBeLessThanOrEqual(max + HELD_OVERHEAD[framing.name])
          expect(watched.peakAllocationBytes).toBeLessThanOrEqual(max + HELD_OVERHEAD[framing.name])
        }),
        { numRuns: 4000 },
      )
    },
  )

  it('raw: every non-empty chunk is one frame, as it came; nothing held, nothing allocated', () => {
    fc.assert(
      fc.property(streamBytes, fc.nat({ max: 300 }), cuts, (bytes, max, positions) => {
        const chunks = splitAt(bytes, positions)
        const watched = watch(rawFraming, max, chunks)
        expect(watched.error).toBeUndefined()
        expect(watched.frames.map(hexOf)).toEqual(chunks.filter((chunk) => chunk.length > 0).map(hexOf))
        expect(watched.peakBufferedBytes).toBe(0)
        expect(watched.peakAllocationBytes).toBe(0)
      }),
      { numRuns: 2000 },
    )
  })
})

describe('length prefixes up to 4 GiB', () => {
  const prefix = (length: number): Uint8Array =>
    Uint8Array.of(length >>> 24, length >>> 16, length >>> 8, length)

  it('with a maximum up to 4 GiB, a peer gets no more memory than about twice what it sent (64 KiB at least)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0xffff_ffff }),
        fc.integer({ min: 0, max: 0xffff_ffff }),
        fc.uint8Array({ maxLength: 3000 }),
        cuts,
        (length, max, body, positions) => {
          const stream = concat([prefix(length), body])
          const watched = watch(lengthFraming, max, splitAt(stream, positions))
          if (length > max) {
            expect(watched.error).toBe('ERR_FRAME_TOO_LARGE')
            expect(watched.peakAllocationBytes).toBe(0)
          } else if (body.length < length) {
            expect(watched.error).toBe('ERR_INVALID_FRAME')
          }
          // Plus room for the next 4-byte prefix, which a read into place takes with the frame's end.
          expect(watched.peakAllocationBytes).toBeLessThanOrEqual(
            Math.min(max, Math.max(64 * 1024, 2 * body.length)) + 4,
          )
          expect(watched.peakBufferedBytes).toBeLessThanOrEqual(4 + body.length)
        },
      ),
      { numRuns: 4000 },
    )
  })

  it('the largest prefix, 0xffffffff, under the default 16 MiB maximum: refused at its fourth byte, nothing allocated', () => {
    fc.assert(
      fc.property(fc.integer({ min: 16 * 1024 * 1024 + 1, max: 0xffff_ffff }), cuts, (length, positions) => {
        const decoder = lengthFraming.createDecoder()
        const stream = concat([prefix(length), new Uint8Array(16)])
        allocations = []
        let thrownAt = -1
        let offset = 0
        for (const chunk of splitAt(stream, positions)) {
          try {
            decoder.push(chunk, () => expect.unreachable('no frame'))
          } catch (error) {
            expect(isProtolabError(error) && error.code).toBe('ERR_FRAME_TOO_LARGE')
            thrownAt = offset + chunk.length
            break
          }
          offset += chunk.length
        }
        // Refused by the chunk that completed the prefix, however the stream was cut.
        expect(thrownAt).toBeGreaterThanOrEqual(4)
        expect(offset).toBeLessThan(4)
        expect(allocations).toEqual([])
      }),
      { numRuns: 2000 },
    )
  })
})

describe('truncated streams', () => {
  it('length: a stream cut inside its last frame ends with ERR_INVALID_FRAME, after every whole frame', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 200 }), { minLength: 1, maxLength: 10 }),
        fc.nat(),
        cuts,
        (frames, cutSeed, positions) => {
          const encoded = frames.map((frame) => lengthFraming.encode(frame))
          const last = encoded[encoded.length - 1]!
          const keep = 1 + (cutSeed % (last.length - 1)) // at least one byte of the last frame, not all of it
          const stream = concat([...encoded.slice(0, -1), last.subarray(0, keep)])
          const watched = watch(lengthFraming, 200, splitAt(stream, positions))
          expect(watched.error).toBe('ERR_INVALID_FRAME')
          expect(watched.frames.map(hexOf)).toEqual(frames.slice(0, -1).map(hexOf))
        },
      ),
      { numRuns: 3000 },
    )
  })

  it('line: a stream cut inside its last line delivers that line as it is (if not empty), and no error', () => {
    const line = fc
      .uint8Array({ maxLength: 100 })
      .map((bytes) => bytes.map((byte) => (byte === 10 || byte === 13 ? 32 : byte)))
    fc.assert(
      fc.property(
        fc.array(line, { minLength: 1, maxLength: 10 }),
        fc.nat(),
        cuts,
        (lines, cutSeed, positions) => {
          const last = lines[lines.length - 1]!
          const keep = cutSeed % (last.length + 1)
          const stream = concat([
            ...lines.slice(0, -1).map((l) => lineFraming.encode(l)),
            last.subarray(0, keep),
          ])
          const watched = watch(lineFraming, 100, splitAt(stream, positions))
          expect(watched.error).toBeUndefined()
          const expected = keep > 0 ? [...lines.slice(0, -1), last.subarray(0, keep)] : lines.slice(0, -1)
          expect(watched.frames.map(hexOf)).toEqual(expected.map(hexOf))
        },
      ),
      { numRuns: 3000 },
    )
  })

  it('line: no newline past the maximum is refused once the line is one byte over, never later', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2000 }),
        fc.integer({ min: 1, max: 3000 }),
        cuts,
        (max, extra, positions) => {
          const stream = new Uint8Array(max + extra).fill(0x61)
          const watched = watch(lineFraming, max, splitAt(stream, positions))
          expect(watched.error).toBe('ERR_FRAME_TOO_LARGE')
          expect(watched.frames).toEqual([])
          expect(watched.peakBufferedBytes).toBeLessThanOrEqual(max)
          expect(watched.peakAllocationBytes).toBeLessThanOrEqual(max + 1)
        },
      ),
      { numRuns: 2000 },
    )
  })
})

describe('the lab envelope read from a length-framed stream', () => {
  const SESSION = 0x1234_5678
  const PAYLOAD_BYTES = 24

  /** One message on the wire, and how the receiver must count it. */
  type Item =
    | { readonly kind: 'ok'; readonly seq: number }
    | { readonly kind: 'other-session'; readonly seq: number }
    | { readonly kind: 'flipped'; readonly seq: number; readonly bit: number }
    | { readonly kind: 'garbage'; readonly bytes: Uint8Array }

  const item: fc.Arbitrary<Item> = fc.oneof(
    fc.record({ kind: fc.constant('ok' as const), seq: fc.nat() }),
    fc.record({ kind: fc.constant('other-session' as const), seq: fc.nat() }),
    fc.record({ kind: fc.constant('flipped' as const), seq: fc.nat(), bit: fc.nat() }),
    fc.record({
      kind: fc.constant('garbage' as const),
      // Anything that does not start with the magic's first byte is foreign, whatever follows.
      bytes: fc.uint8Array({ maxLength: 80 }).map((bytes) => (bytes[0] === 0x50 ? bytes.subarray(1) : bytes)),
    }),
  )

  function wireBytes(entry: Item): Uint8Array {
    if (entry.kind === 'garbage') return entry.bytes
    const buffer = createEnvelopeBuffer(PAYLOAD_BYTES)
    const session = entry.kind === 'other-session' ? SESSION ^ 1 : SESSION
    writeEnvelope(buffer, { session, seq: entry.seq, sentAtNs: 1n }, PAYLOAD_BYTES)
    if (entry.kind === 'flipped') {
      // Any one bit after the magic: the CRC (or the length check) catches it.
      const bit = 32 + (entry.bit % ((buffer.length - 4) * 8))
      buffer[bit >> 3]! ^= 1 << (bit & 7)
    }
    return buffer
  }

  it('every message is counted as what it is, however the stream is cut', () => {
    fc.assert(
      fc.property(fc.array(item, { maxLength: 25 }), cuts, (items, positions) => {
        const stream = concat(items.map((entry) => lengthFraming.encode(wireBytes(entry))))
        const watched = watch(
          lengthFraming,
          ENVELOPE_HEADER_BYTES + PAYLOAD_BYTES + 64,
          splitAt(stream, positions),
        )
        expect(watched.error).toBeUndefined()
        const counts = { ok: 0, foreign: 0, corrupt: 0 }
        const seqs: number[] = []
        for (const frame of watched.frames) {
          const result = readEnvelope(frame, SESSION)
          counts[result.kind]++
          if (result.kind === 'ok') seqs.push(result.seq)
        }
        const expected = (kind: Item['kind']): number => items.filter((entry) => entry.kind === kind).length
        expect(counts).toEqual({
          ok: expected('ok'),
          foreign: expected('other-session') + expected('garbage'),
          corrupt: expected('flipped'),
        })
        expect(seqs).toEqual(items.flatMap((entry) => (entry.kind === 'ok' ? [entry.seq] : [])))
      }),
      { numRuns: 3000 },
    )
  })

  it('random bytes: the decoder stops with a typed error or hands out frames the reader classifies, never throwing', () => {
    const max = ENVELOPE_HEADER_BYTES + PAYLOAD_BYTES + 64
    fc.assert(
      fc.property(streamBytes, cuts, (bytes, positions) => {
        const watched = watch(lengthFraming, max, splitAt(bytes, positions))
        for (const frame of watched.frames) {
          expect(['ok', 'foreign', 'corrupt']).toContain(readEnvelope(frame, SESSION).kind)
        }
        // The largest frame, and room for the next 4-byte prefix.
        expect(watched.peakAllocationBytes).toBeLessThanOrEqual(max + 4)
      }),
      { numRuns: 3000 },
    )
  })
})
