import { quote } from '../../address/_text.js'
import { InvalidArgumentError } from '../../errors.js'

const DECIMAL = String.raw`(\d+(?:\.\d+)?|\.\d+)`

/**
 * A probability from the command line: a percentage (`10%`, `0.5%`) or a fraction from 0 to 1
 * (`0.1`). Note that `1` is a fraction, 100%: write `1%` for one percent.
 *
 * @param name what the value is for, as the error message should say (e.g. `--loss`)
 * @throws InvalidArgumentError for anything else, or a value outside 0-100% / 0-1
 */
export function parseProbability(text: string, name = 'probability'): number {
  const match = new RegExp(`^${DECIMAL}(%?)$`).exec(text.trim())
  if (match === null) {
    throw new InvalidArgumentError(
      `${name} ${quote(text)} is not a probability: write a percentage like 10% or a fraction like 0.1`,
    )
  }
  const value = Number(match[1])
  const percent = match[2] === '%'
  if (percent ? value > 100 : value > 1) {
    const hint = percent ? '' : ` (for ${match[1]} percent write ${match[1]}%)`
    throw new InvalidArgumentError(`${name} ${quote(text)} is above 100%${hint}`)
  }
  return percent ? value / 100 : value
}

const DURATION_UNITS_MS: Readonly<Record<string, number>> = {
  '': 1,
  us: 0.001,
  µs: 0.001,
  ms: 1,
  s: 1000,
  m: 60_000,
}

/**
 * A duration in milliseconds from the command line: a number of ms (`250`) or a number with a
 * unit, `us` (or `µs`), `ms`, `s` or `m` (`10ms`, `1.5s`, `2m`).
 *
 * @throws InvalidArgumentError for anything else
 */
export function parseDurationMs(text: string, name = 'duration'): number {
  const match = new RegExp(`^${DECIMAL}\\s*([a-zµ]*)$`).exec(text.trim())
  const scale = match === null ? undefined : DURATION_UNITS_MS[match[2]!]
  if (match === null || scale === undefined) {
    throw new InvalidArgumentError(
      `${name} ${quote(text)} is not a duration: write a number of ms like 250, or 10ms, 1.5s, 2m`,
    )
  }
  const ms = Number(match[1]) * scale
  // A number too long for a double would silently mean "forever".
  if (!Number.isFinite(ms)) throw new InvalidArgumentError(`${name} ${quote(text)} is too large`)
  return ms
}

const PREFIXES: Readonly<Record<string, number>> = {
  '': 1,
  k: 1e3,
  m: 1e6,
  g: 1e9,
  ki: 1024,
  mi: 1024 ** 2,
  gi: 1024 ** 3,
}

/**
 * A data rate in bytes per second from the command line. Bits are written `bit`, `bps` or `b/s`
 * with a lower-case b (`1mbit`, `500kbps`, `2Mb/s`); bytes with an upper-case B (`100KB/s`,
 * `1MBps`, `64KiB/s`), or a plain number of bytes per second (`125000`). Prefixes k, M, G are
 * powers of 1000, Ki, Mi, Gi powers of 1024, in either case. Unlike tc, `kbps` is kilobits.
 *
 * @throws InvalidArgumentError for anything else, or a rate that is not above 0
 */
export function parseRate(text: string, name = 'rate'): number {
  const match = new RegExp(`^${DECIMAL}\\s*(?:([kmgKMG][iI]?)?(bits?(?:/s)?|bps|b/s|Bps|B/s|B)?)$`).exec(
    text.trim(),
  )
  const [, number, prefix = '', unit] = match ?? []
  if (match === null || (prefix !== '' && unit === undefined)) {
    throw new InvalidArgumentError(
      `${name} ${quote(text)} is not a rate: write bits like 1mbit or 500kbps, or bytes like 100KB/s (a plain number is bytes/s)`,
    )
  }
  const bits = unit?.startsWith('b') === true
  const bytesPerSecond = (Number(number) * PREFIXES[prefix.toLowerCase()]!) / (bits ? 8 : 1)
  if (!(bytesPerSecond > 0)) throw new InvalidArgumentError(`${name} ${quote(text)} must be above 0`)
  if (!Number.isFinite(bytesPerSecond)) throw new InvalidArgumentError(`${name} ${quote(text)} is too large`)
  return bytesPerSecond
}

/**
 * A whole number of bytes from the command line: `1460`, `64KiB`, `1.5kB`, `10MB` (k, M, G are
 * powers of 1000, Ki, Mi, Gi powers of 1024; the `B` is optional, the case of the prefix free).
 *
 * @throws InvalidArgumentError for anything else, or a count that is not a whole number
 */
export function parseByteCount(text: string, name = 'byte count'): number {
  const match = new RegExp(`^${DECIMAL}\\s*(?:([kmgKMG][iI]?)?[bB]?)$`).exec(text.trim())
  const [, number, prefix = ''] = match ?? []
  const bytes = match === null ? Number.NaN : Number(number) * PREFIXES[prefix.toLowerCase()]!
  if (!Number.isSafeInteger(bytes)) {
    throw new InvalidArgumentError(
      `${name} ${quote(text)} is not a whole number of bytes: write 1460, 64KiB or 10MB`,
    )
  }
  return bytes
}
