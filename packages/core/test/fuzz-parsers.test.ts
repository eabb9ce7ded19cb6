import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  dissect,
  formatHostPort,
  isHostName,
  isIP,
  isProtolabError,
  parseByteCount,
  parseCidr,
  parseDurationMs,
  parseHostPort,
  parsePort,
  parseProbability,
  parseRate,
  prefixContains,
  validateDatagramImpairment,
  validateStreamImpairment,
} from '../src/index.js'

/**
 * The parsers a user or a peer reaches from the command line and the wire, fed what
 * `address-properties.test.ts` and `packet-fuzz.test.ts` do not: `host:port` forms with broken
 * ports and brackets, ports as arbitrary numbers, prefixes tested against addresses of the wrong
 * family, the impairment values (`10%`, `10ms`, `1mbit`, `64KiB`), and packet dissection of
 * uniformly random bytes under every link type. Only typed errors come out, with one-line messages.
 */

const RUNS = 3000

/**
 * Runs `parse`; a ProtolabError with one of `codes` is fine, anything else fails. Address errors
 * must also be one line, since their text may come from a peer; the impairment parsers quote what
 * the user typed as it is (the CLI folds it onto one line when it prints it).
 */
function typedOrValue<T>(parse: () => T, codes: readonly string[], oneLine = true): T | undefined {
  try {
    return parse()
  } catch (error) {
    if (!isProtolabError(error)) throw error
    expect(codes).toContain(error.code)
    if (oneLine) expect(error.message).not.toMatch(/[\n\r]/)
    return undefined
  }
}

const ADDRESS_CODES = ['ERR_INVALID_ADDRESS', 'ERR_PORT_RANGE']

/** Hosts, valid or nearly so. */
const hostText = fc.oneof(
  fc.constantFrom(
    '127.0.0.1',
    '0.0.0.0',
    '::1',
    '::',
    'fe80::1',
    '::ffff:10.0.0.1',
    'localhost',
    'a.b-c.example',
  ),
  fc.constantFrom(
    '256.0.0.1',
    '1.2.3',
    '1.2.3.4.5',
    '01.2.3.4',
    '::1::',
    'fe80::1%eth0',
    'g::1',
    '-bad-',
    'a..b',
    '',
  ),
  fc.string({ unit: fc.constantFrom(...'0123456789abcdef:.-'), maxLength: 20 }),
)

/** Ports, valid or nearly so. */
const portText = fc.oneof(
  fc.integer({ min: 0, max: 65535 }).map(String),
  fc.constantFrom(
    '65536',
    '-1',
    '-0',
    '99999999999999999999',
    '0x50',
    '1e3',
    '80.0',
    ' 80',
    '80 ',
    '+80',
    '',
    '٨٠',
  ),
  fc.string({ unit: fc.constantFrom(...'0123456789-+.e x'), maxLength: 8 }),
)

/** `host:port` in its every shape: bracketed or not, colons doubled, brackets unbalanced. */
const hostPortText = fc
  .tuple(
    hostText,
    portText,
    fc.constantFrom('plain', 'bracketed', 'open', 'close', 'bare-port', 'colon-port', 'double'),
  )
  .map(([host, port, shape]) => {
    switch (shape) {
      case 'plain':
        return `${host}:${port}`
      case 'bracketed':
        return `[${host}]:${port}`
      case 'open':
        return `[${host}:${port}`
      case 'close':
        return `${host}]:${port}`
      case 'bare-port':
        return port
      case 'colon-port':
        return `:${port}`
      default:
        return `${host}::${port}`
    }
  })

describe('addresses and ports', () => {
  it('host:port: a host and a port in range, or ERR_INVALID_ADDRESS / ERR_PORT_RANGE; what parses formats back to itself', () => {
    fc.assert(
      fc.property(hostPortText, fc.boolean(), (text, withDefaultPort) => {
        const parsed = typedOrValue(
          () => parseHostPort(text, withDefaultPort ? { port: 7 } : {}),
          ADDRESS_CODES,
        )
        if (parsed === undefined) return
        expect(Number.isInteger(parsed.port) && parsed.port >= 0 && parsed.port <= 65535).toBe(true)
        expect(isIP(parsed.host) || isHostName(parsed.host)).toBe(true)
        expect(parseHostPort(formatHostPort(parsed.host, parsed.port))).toEqual(parsed)
      }),
      { numRuns: RUNS * 2 },
    )
  })

  it('parsePort on any number or numeric text: an integer 0-65535, or a typed error', () => {
    const anyNumber = fc.oneof(
      fc.double(),
      fc.integer({ min: -100_000, max: 100_000 }),
      fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, -0, 2 ** 53, 65535.5, 1e300),
    )
    fc.assert(
      fc.property(fc.oneof(anyNumber, portText), (value) => {
        const port = typedOrValue(() => parsePort(value), ADDRESS_CODES)
        if (port !== undefined) expect(Number.isInteger(port) && port >= 0 && port <= 65535).toBe(true)
      }),
      { numRuns: RUNS },
    )
  })

  it('prefixes: malformed lengths are refused, and an address of the other family is simply not inside', () => {
    const prefixText = fc
      .tuple(
        hostText,
        fc.constantFrom(
          '',
          '/',
          '/0',
          '/32',
          '/33',
          '/128',
          '/129',
          '/-1',
          '/08',
          '/1/2',
          '/x',
          '/999999999999',
        ),
      )
      .map(([host, suffix]) => host + suffix)
    fc.assert(
      fc.property(prefixText, fc.uint8Array({ maxLength: 20 }), (text, bytes) => {
        const cidr = typedOrValue(() => parseCidr(text), ['ERR_INVALID_ADDRESS'])
        if (cidr === undefined) return
        const inside = prefixContains(cidr, bytes)
        if (bytes.length !== cidr.bytes.length) expect(inside).toBe(false)
        expect(prefixContains(cidr, cidr.bytes)).toBe(true)
      }),
      { numRuns: RUNS },
    )
  })
})

describe('impairment values from the command line', () => {
  /** Text near the grammar of `10%`, `0.1`, `10ms`, `1.5s`, `1mbit`, `100KB/s`, `64KiB`. */
  const valueText = fc.oneof(
    fc.string({ unit: fc.constantFrom(...'0123456789.%msuµkKMGiIbB/ps -e+'), maxLength: 12 }),
    fc.string({ unit: 'binary', maxLength: 12 }),
    fc
      .tuple(fc.nat({ max: 400 }), fc.constantFrom('', '%', 'ms', 's', 'm', 'kbit', 'MB/s', 'KiB', 'x'))
      .map(([digits, unit]) => `${'9'.repeat(digits)}${unit}`),
  )
  const ARGUMENT = ['ERR_INVALID_ARGUMENT']

  it('probability: a number from 0 to 1, or ERR_INVALID_ARGUMENT', () => {
    fc.assert(
      fc.property(valueText, (text) => {
        const value = typedOrValue(() => parseProbability(text, '--loss'), ARGUMENT, false)
        if (value !== undefined) expect(value >= 0 && value <= 1).toBe(true)
      }),
      { numRuns: RUNS },
    )
  })

  it('byte count: a safe whole number, or ERR_INVALID_ARGUMENT', () => {
    fc.assert(
      fc.property(valueText, (text) => {
        const value = typedOrValue(() => parseByteCount(text, '--size'), ARGUMENT, false)
        if (value !== undefined) expect(Number.isSafeInteger(value) && value >= 0).toBe(true)
      }),
      { numRuns: RUNS },
    )
  })

  it('duration and rate: a number the impairment validators accept, or ERR_INVALID_ARGUMENT from one of them', () => {
    fc.assert(
      fc.property(valueText, (text) => {
        const delayMs = typedOrValue(() => parseDurationMs(text, '--delay'), ARGUMENT, false)
        if (delayMs !== undefined) {
          expect(delayMs >= 0).toBe(true)
          typedOrValue(() => validateDatagramImpairment({ delayMs }), ARGUMENT, false)
          typedOrValue(() => validateStreamImpairment({ delayMs }), ARGUMENT, false)
        }
        const rate = typedOrValue(() => parseRate(text, '--rate-limit'), ARGUMENT, false)
        if (rate !== undefined) {
          expect(rate > 0).toBe(true)
          typedOrValue(() => validateStreamImpairment({ rateLimitBytesPerSec: rate }), ARGUMENT, false)
        }
      }),
      { numRuns: RUNS },
    )
  })
})

describe('packet dissection of random bytes', () => {
  it('every link type, known or not: layers or InvalidPacketError, nothing else', () => {
    const linkType = fc.oneof(
      fc.constantFrom(0, 1, 101, 108, 113, 228, 229, 276, 147),
      fc.nat({ max: 0xffff }),
    )
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), linkType, (bytes, link) => {
        const dissection = typedOrValue(() => dissect(bytes, link), ['ERR_INVALID_PACKET'])
        if (dissection !== undefined) expect(dissection).toBeTruthy()
      }),
      { numRuns: RUNS * 2 },
    )
  })
})
