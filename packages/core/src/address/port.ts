import { InvalidAddressError, PortRangeError } from '../errors.js'
import { isDecimal, quote } from './_text.js'

/** The highest port number. */
export const MAX_PORT = 65535

/** The IANA range a port falls in (RFC 6335): 0-1023, 1024-49151, 49152-65535. */
export type PortClass = 'well-known' | 'registered' | 'dynamic'

/**
 * Parses a port: an integer 0-65535, given as a number or as decimal digits (`'8080'`).
 * Nothing else is read as a port: not `'80x'`, `'1e3'`, `'0x50'`, `' 80'`, `''`, or `8.5`.
 * @throws PortRangeError when it is a whole number outside 0-65535 (`65536`, `'-1'`).
 * @throws InvalidAddressError when a string is not a decimal integer at all (`'80x'`, `''`).
 */
export function parsePort(value: string | number): number {
  if (typeof value === 'number') {
    if (!Number.isInteger(value) || value < 0 || value > MAX_PORT) throw new PortRangeError(value)
    return value
  }
  if (value.startsWith('-') && isDecimal(value.slice(1))) throw new PortRangeError(value)
  if (!isDecimal(value)) {
    throw new InvalidAddressError(
      value === '' ? 'port is empty' : `port ${quote(value)} is not a decimal number from 0 to 65535`,
    )
  }
  const port = Number(value)
  if (port > MAX_PORT) throw new PortRangeError(value.length > 12 ? `${value.slice(0, 12)}...` : value)
  return port
}

/** True when `value` is an integer 0-65535. */
export function isPort(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= MAX_PORT
}

/**
 * The IANA range of a port: well-known (0-1023, a service the system runs, binding needs privileges
 * on most systems), registered (1024-49151), or dynamic (49152-65535, where the OS picks ephemeral ports).
 * @throws PortRangeError when `port` is not an integer 0-65535.
 */
export function portClass(port: number): PortClass {
  const checked = parsePort(port)
  if (checked <= 1023) return 'well-known'
  if (checked <= 49151) return 'registered'
  return 'dynamic'
}
