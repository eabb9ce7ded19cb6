import {
  describePacing,
  formatBitsPerSec,
  InvalidArgumentError,
  isProtolabError,
  MAX_FLOWS,
  messagesPerSecond,
  parallelFlowPlan,
  parseFlowSpec,
  parsePacing,
  parseParallel,
  planTransports,
} from '@protolab/core'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'

const transports = ['udp', 'tcp'] as const

/** The error `run` throws, checked to be a one-line InvalidArgumentError. */
function errorOf(run: () => unknown): string {
  try {
    run()
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidArgumentError)
    expect(isProtolabError(error, 'ERR_INVALID_ARGUMENT')).toBe(true)
    const message = (error as Error).message
    expect(message).not.toContain('\n')
    return message
  }
  throw new Error('expected an error')
}

describe('parsePacing', () => {
  it('reads bit rates in decimal units', () => {
    expect(parsePacing('30mbit')).toEqual({ bitsPerSec: 30e6 })
    expect(parsePacing('1.5gbit')).toEqual({ bitsPerSec: 1.5e9 })
    expect(parsePacing('800kbit')).toEqual({ bitsPerSec: 800e3 })
    expect(parsePacing('2Mb/s')).toEqual({ bitsPerSec: 2e6 })
    expect(parsePacing('500kbps')).toEqual({ bitsPerSec: 500e3 })
    expect(parsePacing(' 10Mbit ')).toEqual({ bitsPerSec: 10e6 })
  })

  it('reads byte rates as bits', () => {
    expect(parsePacing('100KB/s')).toEqual({ bitsPerSec: 800e3 })
    expect(parsePacing('1MiB/s')).toEqual({ bitsPerSec: 8 * 1024 ** 2 })
  })

  it('reads a plain number, or one with /s, as messages per second', () => {
    expect(parsePacing('500')).toEqual({ messagesPerSec: 500 })
    expect(parsePacing('500/s')).toEqual({ messagesPerSec: 500 })
    expect(parsePacing('2.5/s')).toEqual({ messagesPerSec: 2.5 })
    expect(parsePacing('500msg/s')).toEqual({ messagesPerSec: 500 })
  })

  it('refuses zero, negatives and nonsense in one line naming the option', () => {
    expect(errorOf(() => parsePacing('0', '--rate'))).toBe(
      '--rate "0" must be above 0 (leave the rate out to send as fast as possible)',
    )
    expect(errorOf(() => parsePacing('0mbit', '--rate'))).toBe('--rate "0mbit" must be above 0')
    for (const text of ['', '-1', 'fast', '30mbitx', '30 furlongs', '1e3', '/s', 'mbit']) {
      expect(
        errorOf(() => parsePacing(text, '--rate')),
        text,
      ).toMatch(/^--rate /)
    }
    expect(errorOf(() => parsePacing('9'.repeat(400)))).toMatch(/too large/)
  })
})

describe('messagesPerSecond', () => {
  it('counts the envelope header with the payload for a bit rate', () => {
    // 64 B payload + 32 B header = 96 B = 768 bits a message.
    expect(messagesPerSecond({ bitsPerSec: 768_000 }, 64)).toBe(1000)
    expect(messagesPerSecond({ messagesPerSec: 250 }, 64)).toBe(250)
    expect(messagesPerSecond(undefined, 64)).toBe(0)
  })
})

describe('formatBitsPerSec and describePacing', () => {
  it('writes decimal units with three significant digits', () => {
    expect(formatBitsPerSec(0)).toBe('0 bit/s')
    expect(formatBitsPerSec(812)).toBe('812 bit/s')
    expect(formatBitsPerSec(30e6)).toBe('30 Mbit/s')
    expect(formatBitsPerSec(1.5e9)).toBe('1.5 Gbit/s')
    expect(formatBitsPerSec(94_412_345)).toBe('94.4 Mbit/s')
    expect(formatBitsPerSec(999_700)).toBe('1 Mbit/s')
    expect(describePacing({ bitsPerSec: 30e6 })).toBe('30 Mbit/s')
    expect(describePacing({ messagesPerSec: 500 })).toBe('500 msg/s')
    expect(describePacing(undefined)).toBe('unpaced')
  })
})

describe('parseParallel', () => {
  it('takes 1 to 128, as iperf3 -P', () => {
    expect(parseParallel('1')).toBe(1)
    expect(parseParallel(' 4 ')).toBe(4)
    expect(parseParallel(String(MAX_FLOWS))).toBe(128)
  })

  it('refuses anything else in one line', () => {
    for (const text of ['0', '129', '-1', '1.5', 'four', '', '4x', '1e2']) {
      expect(
        errorOf(() => parseParallel(text)),
        text,
      ).toBe(
        `--parallel ${JSON.stringify(text)} is not a number of flows: write a whole number from 1 to 128`,
      )
    }
  })
})

describe('parallelFlowPlan', () => {
  it('numbers n flows of one transport from 1, all with the same pacing', () => {
    expect(parallelFlowPlan('tcp', 3)).toEqual({
      flows: [
        { id: 1, transport: 'tcp', rate: undefined },
        { id: 2, transport: 'tcp', rate: undefined },
        { id: 3, transport: 'tcp', rate: undefined },
      ],
    })
    const paced = parallelFlowPlan('udp', 2, { bitsPerSec: 1e6 })
    expect(paced.flows.map((flow) => flow.rate)).toEqual([{ bitsPerSec: 1e6 }, { bitsPerSec: 1e6 }])
  })

  it('refuses 0 and more than 128', () => {
    errorOf(() => parallelFlowPlan('udp', 0))
    errorOf(() => parallelFlowPlan('udp', 129))
    errorOf(() => parallelFlowPlan('udp', 1.5))
  })
})

describe('parseFlowSpec', () => {
  it('reads groups of transport[:count][@rate] into numbered flows', () => {
    expect(parseFlowSpec('udp:1@30mbit,tcp:2', { transports })).toEqual({
      flows: [
        { id: 1, transport: 'udp', rate: { bitsPerSec: 30e6 } },
        { id: 2, transport: 'tcp', rate: undefined },
        { id: 3, transport: 'tcp', rate: undefined },
      ],
    })
    expect(parseFlowSpec('tcp:2@500/s', { transports }).flows).toEqual([
      { id: 1, transport: 'tcp', rate: { messagesPerSec: 500 } },
      { id: 2, transport: 'tcp', rate: { messagesPerSec: 500 } },
    ])
  })

  it('counts 1 by default, ignores case and spaces around groups, and keeps the order written', () => {
    const plan = parseFlowSpec(' TCP , udp@1mbit , tcp:2 ', { transports })
    expect(plan.flows.map((flow) => `${flow.id}${flow.transport}`)).toEqual(['1tcp', '2udp', '3tcp', '4tcp'])
    expect(planTransports(plan)).toEqual(['tcp', 'udp'])
  })

  it('gives the default rate to groups without their own', () => {
    const plan = parseFlowSpec('udp:1@30mbit,tcp', { transports, defaultRate: { messagesPerSec: 100 } })
    expect(plan.flows.map((flow) => flow.rate)).toEqual([{ bitsPerSec: 30e6 }, { messagesPerSec: 100 }])
  })

  it('takes any transport it is told of, so a third one needs no change here', () => {
    const plan = parseFlowSpec('kcp:2,udp', { transports: ['udp', 'tcp', 'kcp'] as const })
    expect(plan.flows.map((flow) => flow.transport)).toEqual(['kcp', 'kcp', 'udp'])
  })

  it('allows 128 flows in all and no more', () => {
    expect(parseFlowSpec('udp:64,tcp:64', { transports }).flows).toHaveLength(128)
    expect(errorOf(() => parseFlowSpec('udp:64,tcp:65', { transports }))).toBe(
      '--flows "udp:64,tcp:65": more than 128 flows in all',
    )
  })

  it('refuses a bad spec in one line naming what is wrong', () => {
    const cases: [string, string][] = [
      ['', '--flows is empty: write groups like udp:1@30mbit,tcp:2'],
      ['udp:1,,tcp', '--flows "udp:1,,tcp": an empty group (two commas, or one at an end)'],
      ['udp:1,', '--flows "udp:1,": an empty group (two commas, or one at an end)'],
      ['sctp:1', '--flows "sctp:1": unknown transport "sctp" (one of udp, tcp)'],
      ['udp:0', '--flows "udp:0": "udp:0" has count "0": write a whole number of flows from 1 to 128'],
      ['udp:x', '--flows "udp:x": "udp:x" has count "x": write a whole number of flows from 1 to 128'],
      ['udp:', '--flows "udp:": "udp:" has count "": write a whole number of flows from 1 to 128'],
      [
        'udp:200',
        '--flows "udp:200": "udp:200" has count "200": write a whole number of flows from 1 to 128',
      ],
      ['1:udp', '--flows "1:udp": "1:udp" is not transport[:count][@rate], like udp:1@30mbit'],
      ['udp 2', '--flows "udp 2": "udp 2" is not transport[:count][@rate], like udp:1@30mbit'],
    ]
    for (const [text, message] of cases)
      expect(
        errorOf(() => parseFlowSpec(text, { transports })),
        text,
      ).toBe(message)
    expect(errorOf(() => parseFlowSpec('udp:1@', { transports }))).toMatch(
      /^--flows "udp:1@": rate "" is not a rate/,
    )
    expect(errorOf(() => parseFlowSpec('udp@0', { transports }))).toMatch(
      /^--flows "udp@0": rate "0" must be above 0/,
    )
    expect(errorOf(() => parseFlowSpec('udp@fast', { transports }))).toMatch(
      /^--flows "udp@fast": rate "fast" is not a rate: write messages like 500\/s, or bits like 30mbit/,
    )
  })

  it('never throws anything but a one-line InvalidArgumentError, and numbers what it accepts 1..n', () => {
    const piece = fc.constantFrom(
      'udp',
      'tcp',
      'TCP',
      'sctp',
      ':',
      '@',
      ',',
      '1',
      '2',
      '0',
      '30mbit',
      '/s',
      ' ',
      'x',
      '',
    )
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 12 }), (pieces) => {
        const text = pieces.join('')
        try {
          const plan = parseFlowSpec(text, { transports })
          expect(plan.flows.length).toBeGreaterThan(0)
          expect(plan.flows.length).toBeLessThanOrEqual(MAX_FLOWS)
          plan.flows.forEach((flow, index) => {
            expect(flow.id).toBe(index + 1)
            expect(transports).toContain(flow.transport)
          })
        } catch (error) {
          expect(isProtolabError(error, 'ERR_INVALID_ARGUMENT'), String(error)).toBe(true)
          expect((error as Error).message).not.toContain('\n')
        }
      }),
      { numRuns: 2000 },
    )
  })
})
