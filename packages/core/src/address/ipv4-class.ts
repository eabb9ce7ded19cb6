import { InvalidAddressError } from '../errors.js'
import { IPV4_BYTES, parseIPv4 } from './ipv4.js'

/** The classful network class of an IPv4 address (RFC 791; classless routing replaced it, RFC 4632). */
export type IPv4Class = 'A' | 'B' | 'C' | 'D' | 'E'

/**
 * The class of an IPv4 address, read from its leading bits as in RFC 791: A 0-127 (0xxxxxxx),
 * B 128-191 (10xxxxxx), C 192-223 (110xxxxx), D 224-239 (1110xxxx, multicast), E 240-255 (1111xxxx, reserved).
 * @throws InvalidAddressError when `address` is not an IPv4 address (text or 4 bytes).
 */
export function ipv4Class(address: string | Uint8Array): IPv4Class {
  const bytes = typeof address === 'string' ? parseIPv4(address) : address
  if (bytes.length !== IPV4_BYTES)
    throw new InvalidAddressError(`an IPv4 address is 4 bytes, got ${bytes.length}`)
  const first = bytes[0]!
  if (first < 128) return 'A'
  if (first < 192) return 'B'
  if (first < 224) return 'C'
  if (first < 240) return 'D'
  return 'E'
}
