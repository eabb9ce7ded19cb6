import { InvalidArgumentError } from '../errors.js'

/**
 * A seeded source of random numbers. The same seed gives the same sequence on every machine and
 * every Node version: it is integer arithmetic only (xoshiro128**), never `Math.random`.
 */
export interface Random {
  /** The next number, uniform in [0, 1), with 32 bits of randomness. */
  next(): number
  /** The next unsigned 32-bit integer, uniform in [0, 2^32). */
  nextUint32(): number
}

const TWO_POW_32 = 4294967296

/**
 * A {@link Random} for `seed` (a non-negative safe integer, as `--seed` takes). `stream` selects an
 * independent sequence from the same seed, so separate users (each direction of a relay, each
 * connection) do not shift each other's decisions.
 *
 * The generator is xoshiro128** (Blackman and Vigna), its 128-bit state filled by splitmix32.
 *
 * @throws InvalidArgumentError when `seed` or `stream` is not a non-negative safe integer
 */
export function createRandom(seed: number, stream = 0): Random {
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new InvalidArgumentError(`seed must be a non-negative integer, got ${String(seed)}`)
  }
  if (!Number.isSafeInteger(stream) || stream < 0) {
    throw new InvalidArgumentError(`random stream must be a non-negative integer, got ${String(stream)}`)
  }
  const low = seed >>> 0
  const high = Math.floor(seed / TWO_POW_32) >>> 0
  const mix = new SplitMix32(low ^ Math.imul(high, 0x9e3779b1))
  // Each of high and stream advances the seeding sequence by a different amount of mixing.
  const streamMix = new SplitMix32(mix.next() ^ Math.imul(stream, 0x85ebca6b) ^ high)
  return xoshiro128StarStar(streamMix.next(), streamMix.next(), streamMix.next(), streamMix.next())
}

/** A fresh random seed (from the OS's CSPRNG) for a run without `--seed`; report it so the run can be repeated. */
export function randomSeed(): number {
  const words = new Uint32Array(1)
  globalThis.crypto.getRandomValues(words)
  return words[0]!
}

/**
 * xoshiro128** from an explicit 128-bit state (four 32-bit words, not all zero), as in the
 * reference C code: the state `1, 2, 3, 4` gives 11520, 0, 5927040, 70819200, ... Most callers
 * want {@link createRandom}.
 */
export function xoshiro128StarStar(s0: number, s1: number, s2: number, s3: number): Random {
  return new Xoshiro128StarStar(s0, s1, s2, s3)
}

/** splitmix32: turns one 32-bit seed into a stream of well-mixed words to seed xoshiro. */
class SplitMix32 {
  private state: number

  constructor(seed: number) {
    this.state = seed | 0
  }

  next(): number {
    this.state = (this.state + 0x9e3779b9) | 0
    let z = this.state
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b)
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35)
    return (z ^ (z >>> 16)) >>> 0
  }
}

class Xoshiro128StarStar implements Random {
  private s0: number
  private s1: number
  private s2: number
  private s3: number

  constructor(s0: number, s1: number, s2: number, s3: number) {
    this.s0 = s0 | 0
    this.s1 = s1 | 0
    this.s2 = s2 | 0
    this.s3 = s3 | 0
    // An all-zero state would only ever produce zeros.
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1
  }

  nextUint32(): number {
    const s1 = this.s1
    const result = Math.imul(rotateLeft(Math.imul(s1, 5), 7), 9) >>> 0
    const t = s1 << 9
    this.s2 ^= this.s0
    this.s3 ^= s1
    this.s1 ^= this.s2
    this.s0 ^= this.s3
    this.s2 ^= t
    this.s3 = rotateLeft(this.s3, 11)
    return result
  }

  next(): number {
    return this.nextUint32() / TWO_POW_32
  }
}

function rotateLeft(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k))
}
