import {
  createRandom,
  RTT_FLOOR_MS,
  StreamImpairer,
  type StreamImpairment,
  type StreamPiece,
  TLP_FLOOR_MS,
  tcpRecoveryTiming,
} from '@protolab/core'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'

// Modelled TCP loss: the loss draws of stream 0 of a seed come from createRandom(seed, 0), one per
// segment, and for a lost segment one more per retransmission until one gets through. A test that
// wants a given pattern of losses finds the first seed whose draws give it.
const LOSS = 0.5
const DELAY_MS = 10
const RTT_MS = 2 * DELAY_MS + RTT_FLOOR_MS // 20.5
const REORDER_MS = RTT_MS / 4 // 5.125
const PROBE_MS = 2 * RTT_MS + TLP_FLOOR_MS // 43
const RTO_MS = RTT_MS + 200 // 220.5

/** The first seed whose loss draws at probability {@link LOSS} are `pattern` (true = lost). */
function seedFor(pattern: readonly boolean[]): number {
  for (let seed = 0; seed < 100_000; seed++) {
    const random = createRandom(seed, 0)
    if (pattern.every((lost) => random.next() < LOSS === lost)) return seed
  }
  throw new Error('no seed has this pattern')
}

function model(seed: number, extra: StreamImpairment = {}): StreamImpairer {
  return new StreamImpairer({ impairment: { loss: LOSS, delayMs: DELAY_MS, ...extra }, seed })
}

/** Sends one 100-byte chunk at each of `timesMs`, then lets time run out; returns each byte range's write time. */
function run(impairer: StreamImpairer, timesMs: readonly number[]): StreamPiece[] {
  const pieces: StreamPiece[] = []
  for (const t of timesMs) pieces.push(...impairer.plan(100, t).pieces)
  pieces.push(...impairer.advance(Number.POSITIVE_INFINITY).pieces)
  return pieces
}

/** The write time of the byte at `position`. */
function timeOf(pieces: readonly StreamPiece[], position: number): number {
  const piece = pieces.find((p) => p.position <= position && position < p.position + p.length)
  if (piece === undefined) throw new Error(`no piece holds byte ${position}`)
  return piece.atMs
}

const [L, K] = [true, false] // lost, kept

describe('modelled TCP loss recovery', () => {
  it('derives its timing from the delay both ways and the minimum RTO', () => {
    expect(tcpRecoveryTiming(DELAY_MS, 200)).toEqual({
      rttMs: RTT_MS,
      reorderWindowMs: REORDER_MS,
      probeTimeoutMs: PROBE_MS,
      rtoMs: RTO_MS,
    })
    expect(tcpRecoveryTiming(0, 200).rttMs).toBe(RTT_FLOOR_MS)
  })

  it('recovers a loss followed by data one RTT plus the reordering window later (RACK)', () => {
    // segment 0 lost, its retransmission kept, segment 1 kept
    const impairer = model(seedFor([L, K, K]))
    expect(impairer.plan(100, 0).pieces).toEqual([])
    expect(impairer.plan(100, 1).pieces).toEqual([])
    // held until a third SACK could no longer come before the reordering timer
    expect(impairer.nextAdvanceMs).toBe(REORDER_MS)
    // the bytes after it wait for it (head-of-line), then go at once
    expect(impairer.advance(REORDER_MS).pieces).toEqual([
      { position: 0, length: 200, atMs: RTT_MS + REORDER_MS + DELAY_MS },
    ])
  })

  it('re-sends at the third SACK when it comes before the reordering window ends', () => {
    // segment 0 lost, its retransmission kept, segments 1-3 kept: segment 3's SACK is back at 3 + RTT
    const pieces = run(model(seedFor([L, K, K, K, K])), [0, 1, 2, 3])
    for (const position of [0, 100, 200, 300]) expect(timeOf(pieces, position)).toBe(3 + RTT_MS + DELAY_MS)
  })

  it('waits for the later segment’s SACK when it comes after the reordering window', () => {
    // segment 0 lost at 0, the next one sent 30 ms later: its SACK is back at 30 + RTT
    const pieces = run(model(seedFor([L, K, K])), [0, 30])
    expect(timeOf(pieces, 0)).toBe(30 + RTT_MS + DELAY_MS)
    expect(timeOf(pieces, 100)).toBe(30 + RTT_MS + DELAY_MS)
  })

  it('recovers a lost tail by a probe 2 x SRTT after the last transmission', () => {
    const impairer = model(seedFor([K, L, K]))
    expect(impairer.plan(100, 0).pieces).toEqual([{ position: 0, length: 100, atMs: DELAY_MS }])
    expect(impairer.plan(100, 1).pieces).toEqual([])
    expect(impairer.bytesHeld).toBe(100)
    expect(impairer.nextAdvanceMs).toBe(1 + PROBE_MS)
    expect(impairer.advance(1 + PROBE_MS - 0.1).pieces).toEqual([])
    expect(impairer.advance(1 + PROBE_MS).pieces).toEqual([
      { position: 100, length: 100, atMs: 1 + PROBE_MS + DELAY_MS },
    ])
    expect(impairer.bytesHeld).toBe(0)
    expect(impairer.nextAdvanceMs).toBeUndefined()
  })

  it('recovers the rest of a lost tail an RTT after the probe, when the probe’s SACK shows them lost', () => {
    // segments 0 and 1 lost, both retransmissions kept: the probe re-sends 1, its SACK has 0 re-sent
    const pieces = run(model(seedFor([L, K, L, K])), [0, 1])
    const probeMs = 1 + PROBE_MS
    expect(timeOf(pieces, 0)).toBe(probeMs + RTT_MS + DELAY_MS)
    expect(timeOf(pieces, 100)).toBe(probeMs + RTT_MS + DELAY_MS)
  })

  it('finds a lost retransmission by RACK again when later data gets through', () => {
    // segment 0 lost, its first retransmission (at RTT + reordering window) lost, the second kept;
    // segment 2, sent at 40 ms after that retransmission, gets through (a retransmission has no
    // reordering window: Linux is in recovery)
    const pieces = run(model(seedFor([L, L, K, K, K])), [0, 1, 40])
    expect(timeOf(pieces, 0)).toBe(40 + RTT_MS + DELAY_MS)
  })

  it('spends an RTO when a retransmission is lost and nothing after it gets through, and doubles it for the next', () => {
    const rack = RTT_MS + REORDER_MS
    const once = run(model(seedFor([L, L, K, K])), [0, 1])
    expect(timeOf(once, 0)).toBe(rack + RTO_MS + DELAY_MS)
    const twice = run(model(seedFor([L, L, L, K, K])), [0, 1])
    expect(timeOf(twice, 0)).toBe(rack + RTO_MS + 2 * RTO_MS + DELAY_MS)
  })

  it('spends an RTO when the tail-loss probe is lost', () => {
    const pieces = run(model(seedFor([L, L, K])), [0])
    expect(timeOf(pieces, 0)).toBe(PROBE_MS + RTO_MS + DELAY_MS)
  })

  it('takes the RTO from rtoMs', () => {
    const pieces = run(model(seedFor([L, L, K, K]), { rtoMs: 50 }), [0, 1])
    expect(timeOf(pieces, 0)).toBe(RTT_MS + REORDER_MS + (RTT_MS + 50) + DELAY_MS)
  })

  it('overlaps recoveries that overlap in time instead of adding them up', () => {
    // segments 0 and 2 lost: 0 re-sent at the third SACK after it (segment 4's), 2 by its
    // reordering timer; the second recovery ends 3 ms after the first, not a recovery later
    const pieces = run(model(seedFor([L, K, K, L, K, K, K])), [0, 1, 2, 3, 4])
    expect(timeOf(pieces, 0)).toBe(4 + RTT_MS + DELAY_MS)
    expect(timeOf(pieces, 100)).toBe(4 + RTT_MS + DELAY_MS)
    expect(timeOf(pieces, 200)).toBe(2 + RTT_MS + REORDER_MS + DELAY_MS)
    expect(timeOf(pieces, 400)).toBe(2 + RTT_MS + REORDER_MS + DELAY_MS)
  })

  it('does not pile stalls up: at 10% loss the stream keeps up with its sender', () => {
    const impairer = model(7, { loss: 0.1, delayMs: 5 })
    const times = Array.from({ length: 10_000 }, (_, i) => i)
    const pieces = run(impairer, times)
    let lost = 0
    const check = model(7, { loss: 0.1, delayMs: 5 })
    for (const t of times) lost += check.plan(100, t).lostSegments
    expect(lost).toBeGreaterThan(900)
    // the last byte, sent at 9,999 ms, arrives 5 ms later unless a recovery holds it
    expect(timeOf(pieces, 999_999)).toBeLessThan(9_999 + 5 + 3 * (RTO_MS + PROBE_MS))
  })

  it('makes the same decisions for the same seed and chunks, and others for another seed', () => {
    const chunks = Array.from({ length: 2000 }, (_, i) => 50 + ((i * 37) % 3000))
    const plan = (seed: number) => {
      const impairer = new StreamImpairer({ impairment: { loss: 0.05, delayMs: 5, jitterMs: 2 }, seed })
      return chunks.map((chunk, i) => impairer.plan(chunk, i * 0.7))
    }
    expect(plan(3)).toEqual(plan(3))
    expect(plan(3)).not.toEqual(plan(4))
  })

  it('never delivers backwards in stream order, and delivers every byte once', () => {
    fc.assert(
      fc.property(
        fc.record({
          loss: fc.double({ min: 0, max: 0.6, noNaN: true }),
          delayMs: fc.double({ min: 0, max: 50, noNaN: true }),
          jitterMs: fc.double({ min: 0, max: 20, noNaN: true }),
          segmentBytes: fc.integer({ min: 40, max: 2000 }),
          sliceBytes: fc.constantFrom(0, 0, 1, 97),
          stallProbability: fc.constantFrom(0, 0.05),
          rtoMs: fc.constantFrom(200, 30),
        }),
        fc.array(
          fc.record({
            length: fc.integer({ min: 1, max: 3000 }),
            gapMs: fc.double({ min: 0, max: 100, noNaN: true }),
            advance: fc.boolean(),
          }),
          { minLength: 1, maxLength: 40 },
        ),
        fc.integer({ min: 0, max: 1000 }),
        (impairment, chunks, seed) => {
          const impairer = new StreamImpairer({ impairment: { ...impairment, stallMs: 10 }, seed })
          const pieces: StreamPiece[] = []
          let nowMs = 0
          let total = 0
          for (const chunk of chunks) {
            nowMs += chunk.gapMs
            if (chunk.advance) pieces.push(...impairer.advance(nowMs).pieces)
            pieces.push(...impairer.plan(chunk.length, nowMs).pieces)
            total += chunk.length
          }
          pieces.push(...impairer.advance(Number.POSITIVE_INFINITY).pieces)
          // One assertion per run: expect() per piece would be slow with 1-byte slices.
          let next = 0
          let lastAtMs = Number.NEGATIVE_INFINITY
          const wrong: StreamPiece[] = []
          for (const piece of pieces) {
            const inOrder = piece.position === next && piece.length > 0 && piece.atMs >= lastAtMs
            if (!inOrder || !Number.isFinite(piece.atMs)) wrong.push(piece)
            next += piece.length
            lastAtMs = piece.atMs
          }
          expect(wrong).toEqual([])
          expect(next).toBe(total)
          expect(impairer.bytesHeld).toBe(0)
        },
      ),
      { numRuns: 200 },
    )
  })
})
