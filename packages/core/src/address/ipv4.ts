import { InvalidAddressError } from '../errors.js'
import { isDecimal, quote } from './_text.js'

/** The number of bytes in an IPv4 address. */
export const IPV4_BYTES = 4

/**
 * Reads dotted-decimal IPv4 text into `out` at `offset`. Returns what is wrong with the text, or
 * `undefined` when it is a valid address. Shared with the IPv6 parser for embedded IPv4.
 */
export function readIPv4(text: string, out: Uint8Array, offset = 0): string | undefined {
  if (text === '') return 'it is empty'
  const octets = text.split('.')
  if (octets.length !== IPV4_BYTES) {
    return `it has ${octets.length} ${octets.length === 1 ? 'part' : 'parts'} separated by '.', needs 4`
  }
  for (const [index, octet] of octets.entries()) {
    if (octet === '') return `octet ${index + 1} is empty`
    if (!isDecimal(octet)) return `octet ${quote(octet)} is not a decimal number`
    // inet_aton reads 010 as octal 8 while others read 10: refuse rather than guess.
    if (octet.length > 1 && octet.startsWith('0')) {
      return `octet ${quote(octet)} has a leading zero (octal or decimal? write it without the zero)`
    }
    const value = Number(octet)
    if (value > 255) return `octet ${octet.length > 12 ? quote(octet) : octet} is over 255`
    out[offset + index] = value
  }
  return undefined
}

/**
 * Parses dotted-decimal IPv4 (`192.168.0.1`): exactly four decimal octets 0-255, no leading zeros
 * (`01.2.3.4` is refused: some systems read it as octal), no shorthand (`127.1`), no whitespace.
 * @throws InvalidAddressError saying what is wrong (`octet 256 is over 255`).
 */
export function parseIPv4(text: string): Uint8Array {
  const bytes = new Uint8Array(IPV4_BYTES)
  const problem = readIPv4(text, bytes)
  if (problem !== undefined) throw new InvalidAddressError(`invalid IPv4 address ${quote(text)}: ${problem}`)
  return bytes
}

/** True when `text` is an IPv4 address that {@link parseIPv4} accepts. */
export function isIPv4(text: string): boolean {
  return readIPv4(text, new Uint8Array(IPV4_BYTES)) === undefined
}

/**
 * Formats four bytes as dotted decimal (`127.0.0.1`).
 * @throws InvalidAddressError when `bytes` is not 4 bytes long.
 */
export function formatIPv4(bytes: Uint8Array): string {
  checkIPv4Length(bytes)
  return `${bytes[0]}.${bytes[1]}.${bytes[2]}.${bytes[3]}`
}

/**
 * The address as an unsigned 32-bit integer, first octet most significant (`1.2.3.4` is 0x01020304).
 * @throws InvalidAddressError when `bytes` is not 4 bytes long.
 */
export function ipv4ToInt(bytes: Uint8Array): number {
  checkIPv4Length(bytes)
  return ((bytes[0]! << 24) | (bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!) >>> 0
}

/**
 * The address of an unsigned 32-bit integer, the inverse of {@link ipv4ToInt}.
 * @throws InvalidAddressError when `value` is not an integer in 0 to 2^32 - 1.
 */
export function intToIPv4(value: number): Uint8Array {
  if (!Number.isInteger(value) || value < 0 || value > 0xffff_ffff) {
    throw new InvalidAddressError(`${value} is not an IPv4 address: needs an integer from 0 to 4294967295`)
  }
  return Uint8Array.of(value >>> 24, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff)
}

function checkIPv4Length(bytes: Uint8Array): void {
  if (bytes.length !== IPV4_BYTES) {
    throw new InvalidAddressError(`an IPv4 address is 4 bytes, got ${bytes.length}`)
  }
}
