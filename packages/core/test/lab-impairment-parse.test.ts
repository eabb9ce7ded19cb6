import {
  InvalidArgumentError,
  parseByteCount,
  parseDurationMs,
  parseProbability,
  parseRate,
} from '@protolab/core'
import { describe, expect, it } from 'vitest'

describe('parseProbability', () => {
  it('reads percentages and fractions', () => {
    expect(parseProbability('10%')).toBe(0.1)
    expect(parseProbability('0.5%')).toBe(0.005)
    expect(parseProbability('0.1')).toBe(0.1)
    expect(parseProbability('.25')).toBe(0.25)
    expect(parseProbability('0')).toBe(0)
    expect(parseProbability('1')).toBe(1)
    expect(parseProbability('100%')).toBe(1)
    expect(parseProbability(' 2% ')).toBe(0.02)
  })

  it('refuses anything else with a hint', () => {
    for (const text of ['', 'abc', '-1', '-5%', '101%', '1.5', '10 %', '1e-2', '%', '0x1']) {
      expect(() => parseProbability(text, '--loss'), text).toThrow(InvalidArgumentError)
    }
    expect(() => parseProbability('5', '--loss')).toThrow('--loss "5" is above 100% (for 5 percent write 5%)')
    expect(() => parseProbability('ten', '--dup')).toThrow(
      /--dup "ten" is not a probability: write a percentage like 10%/,
    )
  })
})

describe('parseDurationMs', () => {
  it('reads ms by default and us, ms, s, m units', () => {
    expect(parseDurationMs('250')).toBe(250)
    expect(parseDurationMs('10ms')).toBe(10)
    expect(parseDurationMs('1s')).toBe(1000)
    expect(parseDurationMs('1.5s')).toBe(1500)
    expect(parseDurationMs('2m')).toBe(120_000)
    expect(parseDurationMs('500us')).toBe(0.5)
    expect(parseDurationMs('500µs')).toBe(0.5)
    expect(parseDurationMs('0')).toBe(0)
  })

  it('refuses anything else', () => {
    for (const text of ['', 'ms', '-1', '10h', '10 sec', '1,5s', 'fast']) {
      expect(() => parseDurationMs(text, '--delay'), text).toThrow(InvalidArgumentError)
    }
    expect(() => parseDurationMs('soon', '--delay')).toThrow(/--delay "soon" is not a duration/)
  })

  it('refuses a number too large to mean anything but forever, quoting only its start', () => {
    const huge = '9'.repeat(400)
    expect(() => parseDurationMs(huge, '--duration')).toThrow(InvalidArgumentError)
    expect(() => parseDurationMs(huge, '--duration')).toThrow(
      `--duration "${'9'.repeat(60)}..." is too large`,
    )
  })
})

describe('parseRate', () => {
  it('reads bits with a lower-case b and bytes with an upper-case B, in bytes per second', () => {
    expect(parseRate('1mbit')).toBe(125_000)
    expect(parseRate('1Mbit/s')).toBe(125_000)
    expect(parseRate('500kbps')).toBe(62_500)
    expect(parseRate('2Mb/s')).toBe(250_000)
    expect(parseRate('8bit')).toBe(1)
    expect(parseRate('1gbit')).toBe(125_000_000)
    expect(parseRate('100KB/s')).toBe(100_000)
    expect(parseRate('1MBps')).toBe(1_000_000)
    expect(parseRate('64KiB/s')).toBe(65_536)
    expect(parseRate('1MiB/s')).toBe(1_048_576)
    expect(parseRate('125000')).toBe(125_000)
    expect(parseRate('1.5MB')).toBe(1_500_000)
  })

  it('refuses anything else, and a rate of 0', () => {
    for (const text of ['', 'fast', '10k', '1 mbits per second', '-1mbit', '1xbit', '1mbyte', 'kbit']) {
      expect(() => parseRate(text, '--rate-limit'), text).toThrow(InvalidArgumentError)
    }
    expect(() => parseRate('0')).toThrow(/must be above 0/)
    expect(() => parseRate('1Tbit', '--rate-limit')).toThrow(/--rate-limit "1Tbit" is not a rate/)
    expect(() => parseRate(`${'9'.repeat(400)}mbit`, '--rate-limit')).toThrow(/is too large$/)
  })
})

describe('parseByteCount', () => {
  it('reads whole numbers of bytes with decimal and binary prefixes', () => {
    expect(parseByteCount('1460')).toBe(1460)
    expect(parseByteCount('64KiB')).toBe(65_536)
    expect(parseByteCount('64kib')).toBe(65_536)
    expect(parseByteCount('1.5kB')).toBe(1500)
    expect(parseByteCount('10MB')).toBe(10_000_000)
    expect(parseByteCount('1G')).toBe(1e9)
    expect(parseByteCount('0')).toBe(0)
  })

  it('refuses fractions of a byte and anything else', () => {
    for (const text of ['', '1.5', '1.5B', '-1', 'KB', '1 TB', 'lots']) {
      expect(() => parseByteCount(text, '--slice'), text).toThrow(InvalidArgumentError)
    }
    expect(() => parseByteCount('x', '--slice')).toThrow(/--slice "x" is not a whole number of bytes/)
  })
})
