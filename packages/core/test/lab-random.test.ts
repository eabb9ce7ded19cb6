import { createRandom, InvalidArgumentError, randomSeed, xoshiro128StarStar } from '@protolab/core'
import { describe, expect, it } from 'vitest'

describe('seeded random', () => {
  it('is xoshiro128** (the reference C vector for state 1, 2, 3, 4)', () => {
    const random = xoshiro128StarStar(1, 2, 3, 4)
    expect(Array.from({ length: 6 }, () => random.nextUint32())).toEqual([
      11520, 0, 5927040, 70819200, 2031721883, 1637235492,
    ])
  })

  it('gives the same sequence for a seed on every machine (pinned values)', () => {
    const take = (seed: number, stream: number) => {
      const random = createRandom(seed, stream)
      return Array.from({ length: 5 }, () => random.nextUint32())
    }
    expect(take(1, 0)).toEqual([3452021429, 2070578150, 3493707356, 809416686, 4198466742])
    expect(take(1, 1)).toEqual([3473730929, 3300720718, 2203290903, 2470116743, 3307600942])
    expect(take(2 ** 40 + 7, 0)).toEqual([4266980112, 3921267050, 3729213324, 2293851053, 2827699096])
  })

  it('gives different sequences for different seeds, streams and high words of a seed', () => {
    const first = (seed: number, stream = 0) => createRandom(seed, stream).nextUint32()
    const values = new Set([
      first(0),
      first(1),
      first(2),
      first(1, 1),
      first(1, 2),
      first(2 ** 32 + 1),
      first(2 ** 33 + 1),
    ])
    expect(values.size).toBe(7)
  })

  it('draws uniformly in [0, 1)', () => {
    const random = createRandom(42)
    const buckets = new Array<number>(10).fill(0)
    const draws = 100_000
    let outside = 0
    for (let i = 0; i < draws; i++) {
      const x = random.next()
      if (!(x >= 0 && x < 1)) outside++
      else buckets[Math.floor(x * 10)]!++
    }
    expect(outside).toBe(0)
    // Each bucket is Binomial(100000, 0.1): sd ≈ 95; 5 sd either side.
    for (const count of buckets) expect(Math.abs(count - 10_000)).toBeLessThan(475)
  })

  it('refuses seeds that are not non-negative safe integers', () => {
    for (const seed of [-1, 1.5, Number.NaN, 2 ** 53]) {
      expect(() => createRandom(seed)).toThrow(InvalidArgumentError)
    }
    expect(() => createRandom(1, -1)).toThrow(InvalidArgumentError)
  })

  it('makes fresh seeds that createRandom accepts', () => {
    const seed = randomSeed()
    expect(Number.isInteger(seed) && seed >= 0 && seed < 2 ** 32).toBe(true)
    expect(() => createRandom(seed)).not.toThrow()
  })
})
