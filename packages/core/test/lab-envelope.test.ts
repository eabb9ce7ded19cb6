import { crc32 } from 'node:zlib'
import {
  createEnvelopeBuffer,
  ENVELOPE_FLAG_ECHO,
  ENVELOPE_HEADER_BYTES,
  InvalidArgumentError,
  monotonicNs,
  nowNs,
  randomSessionId,
  readEnvelope,
  writeEnvelope,
} from '@protolab/core'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'

function envelope(
  payload: Uint8Array,
  session: number,
  seq: number,
  sentAtNs: number | bigint,
  flags = 0,
): Uint8Array {
  const buffer = new Uint8Array(ENVELOPE_HEADER_BYTES + payload.length)
  buffer.set(payload, ENVELOPE_HEADER_BYTES)
  writeEnvelope(buffer, { session, seq, sentAtNs, flags }, payload.length)
  return buffer
}

const arbitraryEnvelope = fc.record({
  payload: fc.uint8Array({ maxLength: 200 }),
  session: fc.nat({ max: 0xffffffff }),
  seq: fc.nat({ max: 0xffffffff }),
  sentAtNs: fc.maxSafeNat(),
  flags: fc.nat({ max: 0xff }),
})

describe('lab envelope', () => {
  it('has the documented layout (known bytes)', () => {
    const bytes = envelope(
      Uint8Array.of(0xaa, 0xbb),
      0x01020304,
      0x0a0b0c0d,
      0x0000_0001_0000_0002,
      ENVELOPE_FLAG_ECHO,
    )
    const hex = Buffer.from(bytes).toString('hex')
    expect(hex.slice(0, 8)).toBe('504c4142') // PLAB
    expect(hex.slice(16)).toBe(
      '0101' + '0000' + '01020304' + '0a0b0c0d' + '00000001' + '00000002' + '00000002' + 'aabb',
    )
    const crc = crc32(bytes.subarray(8))
    expect(hex.slice(8, 16)).toBe(crc.toString(16).padStart(8, '0'))
    expect(bytes.length).toBe(ENVELOPE_HEADER_BYTES + 2)
  })

  it('round-trips every field', () => {
    fc.assert(
      fc.property(arbitraryEnvelope, ({ payload, session, seq, sentAtNs, flags }) => {
        const bytes = envelope(payload, session, seq, sentAtNs, flags)
        expect(readEnvelope(bytes, session)).toEqual({
          kind: 'ok',
          session,
          seq,
          sentAtNs,
          flags,
          payloadLength: payload.length,
        })
        expect(bytes.subarray(ENVELOPE_HEADER_BYTES)).toEqual(payload)
      }),
      { numRuns: 2000 },
    )
  })

  it('takes the send time as a bigint from monotonicNs or a number from nowNs', () => {
    const fromBigint = monotonicNs()
    const read = readEnvelope(envelope(new Uint8Array(4), 1, 2, fromBigint), 1)
    expect(read.kind === 'ok' && BigInt(read.sentAtNs)).toBe(fromBigint)
    const fromNumber = nowNs()
    const readNumber = readEnvelope(envelope(new Uint8Array(4), 1, 2, fromNumber), 1)
    expect(readNumber.kind === 'ok' && readNumber.sentAtNs).toBe(fromNumber)
    // Both are the same monotonic clock.
    expect(Math.abs(fromNumber - Number(fromBigint))).toBeLessThan(60e9)
  })

  it('detects every flipped bit pattern in every byte after the magic as corrupt', () => {
    fc.assert(
      fc.property(
        arbitraryEnvelope,
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        ({ payload, session, seq, sentAtNs, flags }, at, mask) => {
          const bytes = envelope(payload, session, seq, sentAtNs, flags)
          const index = 4 + (at % (bytes.length - 4))
          bytes[index]! ^= mask
          expect(readEnvelope(bytes, session).kind).toBe('corrupt')
          expect(readEnvelope(bytes).kind).toBe('corrupt')
        },
      ),
      { numRuns: 5000 },
    )
  })

  it('calls a damaged magic foreign', () => {
    const bytes = envelope(new Uint8Array(8), 5, 1, 1)
    bytes[2]! ^= 0x01
    expect(readEnvelope(bytes, 5)).toEqual({ kind: 'foreign' })
  })

  it('calls another session foreign, and accepts any session when none is expected', () => {
    const bytes = envelope(new Uint8Array(8), 5, 1, 1)
    expect(readEnvelope(bytes, 6).kind).toBe('foreign')
    expect(readEnvelope(bytes).kind).toBe('ok')
  })

  it('calls another version with a valid CRC foreign', () => {
    const bytes = envelope(new Uint8Array(8), 5, 1, 1)
    bytes[8] = 2
    new DataView(bytes.buffer).setUint32(4, crc32(bytes.subarray(8)))
    expect(readEnvelope(bytes, 5).kind).toBe('foreign')
  })

  it('calls truncated, padded and header-only-magic bytes corrupt', () => {
    const bytes = envelope(new Uint8Array(16), 5, 1, 1)
    expect(readEnvelope(bytes.subarray(0, bytes.length - 1), 5)).toEqual({
      kind: 'corrupt',
      reason: 'length',
    })
    expect(readEnvelope(bytes.subarray(0, 10), 5)).toEqual({ kind: 'corrupt', reason: 'length' })
    const padded = new Uint8Array(bytes.length + 1)
    padded.set(bytes)
    expect(readEnvelope(padded, 5)).toEqual({ kind: 'corrupt', reason: 'length' })
    expect(readEnvelope(bytes.subarray(0, 4), 5).kind).toBe('corrupt')
    expect(readEnvelope(bytes.subarray(0, 3), 5).kind).toBe('foreign')
    expect(readEnvelope(new Uint8Array(0), 5).kind).toBe('foreign')
  })

  it('never throws on random bytes, with or without the magic', () => {
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.uint8Array({ maxLength: 300 }),
        fc.option(fc.nat({ max: 0xffffffff })),
        (magic, tail, session) => {
          const bytes = magic ? Uint8Array.of(0x50, 0x4c, 0x41, 0x42, ...tail) : tail
          const result = readEnvelope(bytes, session ?? undefined)
          expect(['foreign', 'corrupt', 'ok']).toContain(result.kind)
          if (!magic && !(tail[0] === 0x50 && tail[1] === 0x4c && tail[2] === 0x41 && tail[3] === 0x42)) {
            expect(result.kind).toBe('foreign')
          }
        },
      ),
      { numRuns: 5000 },
    )
  })

  it('reuses one buffer: only the header changes between messages', () => {
    const buffer = createEnvelopeBuffer(64)
    const payload = buffer.slice(ENVELOPE_HEADER_BYTES)
    expect(payload[63]).toBe(63)
    for (let seq = 0; seq < 100; seq++) {
      const length = writeEnvelope(buffer, { session: 9, seq, sentAtNs: seq * 1000 }, 64)
      expect(length).toBe(buffer.length)
      const read = readEnvelope(buffer, 9)
      expect(read.kind === 'ok' && read.seq).toBe(seq)
    }
    expect(buffer.subarray(ENVELOPE_HEADER_BYTES)).toEqual(payload)
  })

  it('refuses fields out of range with InvalidArgumentError', () => {
    const buffer = createEnvelopeBuffer(8)
    const fields = { session: 1, seq: 1, sentAtNs: 1 }
    expect(() => writeEnvelope(buffer, fields, 9)).toThrow(InvalidArgumentError)
    expect(() => writeEnvelope(buffer, { ...fields, seq: 2 ** 32 }, 8)).toThrow(InvalidArgumentError)
    expect(() => writeEnvelope(buffer, { ...fields, seq: -1 }, 8)).toThrow(InvalidArgumentError)
    expect(() => writeEnvelope(buffer, { ...fields, session: 1.5 }, 8)).toThrow(InvalidArgumentError)
    expect(() => writeEnvelope(buffer, { ...fields, flags: 256 }, 8)).toThrow(InvalidArgumentError)
    expect(() => writeEnvelope(buffer, { ...fields, sentAtNs: -1 }, 8)).toThrow(InvalidArgumentError)
    expect(() => writeEnvelope(buffer, { ...fields, sentAtNs: 1n << 64n }, 8)).toThrow(InvalidArgumentError)
    expect(() => createEnvelopeBuffer(-1)).toThrow(InvalidArgumentError)
  })

  it('makes non-zero random session ids', () => {
    const ids = new Set(Array.from({ length: 100 }, randomSessionId))
    expect(ids.has(0)).toBe(false)
    expect(ids.size).toBeGreaterThan(95)
  })
})
