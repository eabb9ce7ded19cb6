import {
  createRandom,
  describeStreamImpairment,
  InvalidArgumentError,
  StreamImpairer,
  type StreamImpairment,
  type StreamPlan,
} from '@protolab/core'
import { describe, expect, it } from 'vitest'

function impairer(impairment: StreamImpairment, seed = 1): StreamImpairer {
  return new StreamImpairer({ impairment, seed })
}

/** Plans chunks of the given sizes, all at time `nowMs`, then lets time run out; returns every piece. */
function planAll(model: StreamImpairer, chunks: readonly number[], nowMs = 0) {
  const pieces: { position: number; length: number; atMs: number }[] = []
  let lostSegments = 0
  let stalls = 0
  let resetAt: number | undefined
  for (const chunk of chunks) {
    const plan: StreamPlan = model.plan(chunk, nowMs)
    for (const piece of plan.pieces) pieces.push({ ...piece })
    lostSegments += plan.lostSegments
    stalls += plan.stalls
    if (plan.reset) {
      resetAt = model.bytesPlanned
      break
    }
  }
  if (resetAt === undefined)
    for (const piece of model.advance(Number.POSITIVE_INFINITY).pieces) pieces.push({ ...piece })
  return { pieces, lostSegments, stalls, resetAt }
}

function expectContiguousInOrder(
  pieces: readonly { position: number; length: number; atMs: number }[],
  total: number,
) {
  let next = 0
  let lastAt = Number.NEGATIVE_INFINITY
  for (const piece of pieces) {
    expect(piece.position).toBe(next)
    expect(piece.length).toBeGreaterThan(0)
    expect(piece.atMs).toBeGreaterThanOrEqual(lastAt)
    next += piece.length
    lastAt = piece.atMs
  }
  expect(next).toBe(total)
}

function randomChunks(total: number, seed: number): number[] {
  const random = createRandom(seed)
  const chunks: number[] = []
  let left = total
  while (left > 0) {
    const chunk = Math.min(left, 1 + Math.floor(random.next() * 5000))
    chunks.push(chunk)
    left -= chunk
  }
  return chunks
}

describe('stream impairment', () => {
  it('passes a chunk whole and at once without impairment', () => {
    expect(impairer({}).plan(5000, 7)).toEqual({
      pieces: [{ position: 0, length: 5000, atMs: 7 }],
      reset: false,
      lostSegments: 0,
      stalls: 0,
    })
  })

  it('slices into pieces of sliceBytes, aligned to the stream, every byte once and in order', () => {
    const model = impairer({ sliceBytes: 1, delayMs: 5 })
    const { pieces } = planAll(model, [10, 3, 7])
    expect(pieces.map((piece) => piece.length)).toEqual(new Array(20).fill(1))
    expectContiguousInOrder(pieces, 20)
    expect(pieces.every((piece) => piece.atMs === 5)).toBe(true)
    const aligned = planAll(impairer({ sliceBytes: 4 }), [3, 6, 5])
    expect(aligned.pieces.map((piece) => [piece.position, piece.length])).toEqual([
      [0, 3],
      [3, 1],
      [4, 4],
      [8, 1],
      [9, 3],
      [12, 2],
    ])
  })

  it('delays and jitters without ever reordering bytes', () => {
    const model = impairer({ delayMs: 20, jitterMs: 15, segmentBytes: 100 })
    const pieces: { position: number; length: number; atMs: number }[] = []
    for (let t = 0; t < 200; t++) pieces.push(...model.plan(250, t).pieces)
    expectContiguousInOrder(pieces, 50_000)
    expect(pieces[0]!.atMs).toBeGreaterThanOrEqual(5)
    expect(pieces.at(-1)!.atMs).toBeLessThanOrEqual(199 + 35)
  })

  it('paces at the rate limit', () => {
    const { pieces } = planAll(impairer({ rateLimitBytesPerSec: 10_000, segmentBytes: 1000 }), [10_000])
    expect(pieces.map((piece) => piece.atMs)).toEqual([100, 200, 300, 400, 500, 600, 700, 800, 900, 1000])
    expectContiguousInOrder(pieces, 10_000)
  })

  it('stalls before every stallEveryBytes bytes, holding everything after', () => {
    const { pieces, stalls } = planAll(impairer({ stallEveryBytes: 1000, stallMs: 50 }), [700, 700, 1600])
    expect(pieces.map((piece) => [piece.position, piece.length, piece.atMs])).toEqual([
      [0, 700, 0],
      [700, 300, 0],
      [1000, 400, 50],
      [1400, 600, 50],
      [2000, 1000, 100],
    ])
    expect(stalls).toBe(2)
  })

  it('decides stalls, resets and jitter by byte position, so any chunking gives the same ones', () => {
    const impairment: StreamImpairment = {
      stallProbability: 0.05,
      stallMs: 30,
      resetProbability: 0.002,
      jitterMs: 3,
      segmentBytes: 500,
    }
    const whole = planAll(impairer(impairment, 21), [1_000_000])
    const stallPoints = (pieces: { position: number; atMs: number }[]) => {
      const points: number[] = []
      for (let i = 1; i < pieces.length; i++)
        if (pieces[i]!.atMs - pieces[i - 1]!.atMs >= 20) points.push(pieces[i]!.position)
      return points
    }
    for (const seed of [1, 2, 3]) {
      const chunked = planAll(impairer(impairment, 21), randomChunks(1_000_000, seed))
      expect(chunked.stalls).toBe(whole.stalls)
      expect(chunked.resetAt).toBe(whole.resetAt)
      expect(stallPoints(chunked.pieces)).toEqual(stallPoints(whole.pieces))
    }
    expect(whole.resetAt).toBeDefined()
    expect(whole.resetAt! % 500).toBe(0)
  })

  it('resets after resetAfterBytes, delivering exactly that many', () => {
    const model = impairer({ resetAfterBytes: 2500 })
    expect(model.plan(1000, 0).reset).toBe(false)
    expect(model.plan(1000, 0).reset).toBe(false)
    const third = model.plan(1000, 0)
    expect(third).toEqual({
      pieces: [{ position: 2000, length: 500, atMs: 0 }],
      reset: true,
      lostSegments: 0,
      stalls: 0,
    })
    expect(model.bytesPlanned).toBe(2500)
    expect(model.plan(1000, 0)).toEqual({ pieces: [], reset: true, lostSegments: 0, stalls: 0 })
  })

  it('repeats exactly with the same seed', () => {
    const impairment: StreamImpairment = {
      loss: 0.1,
      jitterMs: 5,
      delayMs: 5,
      stallProbability: 0.1,
      stallMs: 10,
    }
    const chunks = randomChunks(200_000, 5)
    expect(planAll(impairer(impairment, 3), chunks)).toEqual(planAll(impairer(impairment, 3), chunks))
    expect(planAll(impairer(impairment, 3), chunks)).not.toEqual(planAll(impairer(impairment, 4), chunks))
  })

  it('refuses values it cannot take', () => {
    const bad: StreamImpairment[] = [
      { stallEveryBytes: 100 },
      { stallProbability: 0.1, stallMs: 0 },
      { sliceBytes: 0.5 },
      { segmentBytes: 0 },
      { loss: 2 },
      { rtoMs: 0 },
      { resetAfterBytes: -1 },
      { delayMs: Number.NaN },
    ]
    for (const impairment of bad) {
      expect(() => impairer(impairment), JSON.stringify(impairment)).toThrow(InvalidArgumentError)
    }
  })

  it('describes itself, saying that loss is modelled', () => {
    expect(describeStreamImpairment({})).toBe('none')
    expect(describeStreamImpairment({ delayMs: 10, sliceBytes: 1, loss: 0.01 })).toBe(
      'delay 10 ms, slice 1 B, loss 1% (modelled: TCP recovery by RACK, tail-loss probe, and a 200 ms minimum RTO when a retransmission is lost; segments of at most 1460 B)',
    )
  })
})
