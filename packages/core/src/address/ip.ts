import { InvalidAddressError } from '../errors.js'
import { quote } from './_text.js'
import { formatIPv4, IPV4_BYTES, isIPv4, parseIPv4 } from './ipv4.js'
import { formatIPv6, IPV6_BYTES, isIPv6, parseIPv6 } from './ipv6.js'

/** An IP address family by its version number. */
export type IPFamily = 4 | 6

/** A parsed IP address: its family and its bytes in network order (4 or 16 of them). */
export interface ParsedIP {
  readonly family: IPFamily
  readonly bytes: Uint8Array
}

/**
 * The family of an IP address literal: 4, 6, or `undefined` when `text` is neither (host names included).
 * Agrees with `node:net`'s `isIP` except that zone ids (`fe80::1%eth0`) are not addresses here.
 */
export function ipFamily(text: string): IPFamily | undefined {
  if (text.includes(':')) return isIPv6(text) ? 6 : undefined
  return isIPv4(text) ? 4 : undefined
}

/** True when `text` is an IPv4 or IPv6 address literal. */
export function isIP(text: string): boolean {
  return ipFamily(text) !== undefined
}

/**
 * Parses an IPv4 or IPv6 literal; text with a `:` is read as IPv6, anything else as IPv4.
 * @throws InvalidAddressError saying what is wrong.
 */
export function parseIP(text: string): ParsedIP {
  if (text === '') throw new InvalidAddressError('invalid IP address "": it is empty')
  if (text.includes(':')) return { family: 6, bytes: parseIPv6(text) }
  // Text that starts like dotted decimal gets IPv4's precise complaint (`octet 256 is over 255`).
  if (/^[0-9.]/.test(text)) return { family: 4, bytes: parseIPv4(text) }
  throw new InvalidAddressError(
    `invalid IP address ${quote(text)}: expected IPv4 (192.0.2.1) or IPv6 (2001:db8::1)`,
  )
}

/**
 * Formats 4 bytes as IPv4 or 16 bytes as RFC 5952 IPv6.
 * @throws InvalidAddressError for any other length.
 */
export function formatIP(bytes: Uint8Array): string {
  if (bytes.length === IPV4_BYTES) return formatIPv4(bytes)
  if (bytes.length === IPV6_BYTES) return formatIPv6(bytes)
  throw new InvalidAddressError(`an IP address is 4 or 16 bytes, got ${bytes.length}`)
}
