import { parseIP } from '../address/ip.js'
import { InvalidArgumentError } from '../errors.js'

/**
 * The Internet checksum (RFC 1071): the 16-bit one's complement of the one's complement sum of the
 * data taken as big-endian 16-bit words. IPv4 headers, UDP and TCP use it; UDP and TCP also sum a
 * pseudo-header of the IP addresses, protocol and length (RFC 768, RFC 793, RFC 8200 section 8.1).
 */

/** The IP protocol numbers protolab's codecs know. */
export const IpProtocol = {
  HOP_BY_HOP: 0,
  ICMP: 1,
  TCP: 6,
  UDP: 17,
  IPV6_ROUTING: 43,
  IPV6_FRAGMENT: 44,
  ESP: 50,
  AH: 51,
  ICMPV6: 58,
  IPV6_NO_NEXT: 59,
  IPV6_DESTINATION: 60,
} as const

/**
 * Adds the bytes to a running one's complement sum and returns it folded to 16 bits.
 * Chain calls through `initial` to sum data in pieces; every piece but the last must have an even
 * length, as words never straddle two pieces.
 */
export function onesComplementSum(bytes: Uint8Array, initial = 0): number {
  let sum = initial
  const evenEnd = bytes.length & ~1
  for (let i = 0; i < evenEnd; i += 2) {
    sum += (bytes[i]! << 8) | bytes[i + 1]!
  }
  // An odd last byte is the high half of a word padded with zero.
  if (evenEnd < bytes.length) sum += bytes[evenEnd]! << 8
  return fold(sum)
}

/** The checksum to put in a header: the complement of the sum of `bytes` (plus `initial`). */
export function internetChecksum(bytes: Uint8Array, initial = 0): number {
  return ~onesComplementSum(bytes, initial) & 0xffff
}

/**
 * True when data that contains its own checksum field sums to 0xffff, which is how a receiver
 * verifies an Internet checksum.
 */
export function isChecksumValid(bytes: Uint8Array, initial = 0): boolean {
  return onesComplementSum(bytes, initial) === 0xffff
}

/**
 * The sum of the IPv4 (12 bytes) or IPv6 (40 bytes) pseudo-header for UDP or TCP: both addresses,
 * the protocol number and the upper-layer length. Pass it as `initial` to {@link internetChecksum}.
 */
export function pseudoHeaderSum(
  source: Uint8Array,
  destination: Uint8Array,
  protocol: number,
  upperLayerLength: number,
): number {
  let sum = onesComplementSum(source)
  sum = onesComplementSum(destination, sum)
  // IPv6 carries the length as 32 bits; for lengths below 65536 both forms sum the same.
  return fold(sum + protocol + (upperLayerLength >>> 16) + (upperLayerLength & 0xffff))
}

/**
 * Updates a checksum when one 16-bit word of the data changes, without summing everything again
 * (RFC 1624, equation 3: HC' = ~(~HC + ~m + m')). Used by routers that decrement the TTL.
 */
export function updateChecksum(checksum: number, oldWord: number, newWord: number): number {
  return ~fold((~checksum & 0xffff) + (~oldWord & 0xffff) + (newWord & 0xffff)) & 0xffff
}

function fold(sum: number): number {
  let folded = sum
  while (folded > 0xffff) folded = (folded & 0xffff) + Math.floor(folded / 0x10000)
  return folded
}

/** The IP addresses of a UDP datagram or TCP segment, which its checksum covers through the pseudo-header. */
export interface IpAddresses {
  /** IPv4 dotted decimal or IPv6 text; both of one family. */
  readonly source: string
  readonly destination: string
}

/**
 * {@link pseudoHeaderSum} for addresses given as text.
 * @throws InvalidAddressError when an address is invalid; InvalidArgumentError when the families differ.
 */
export function pseudoHeaderSumOf(
  addresses: IpAddresses,
  protocol: number,
  upperLayerLength: number,
): number {
  const { source, destination } = addressBytes(addresses)
  return pseudoHeaderSum(source, destination, protocol, upperLayerLength)
}

/**
 * The addresses as bytes (4 or 16 each).
 * @throws InvalidAddressError when an address is invalid; InvalidArgumentError when the families differ.
 */
export function addressBytes(addresses: IpAddresses): { source: Uint8Array; destination: Uint8Array } {
  const source = parseIP(addresses.source)
  const destination = parseIP(addresses.destination)
  if (source.family !== destination.family) {
    throw new InvalidArgumentError(
      `source ${addresses.source} and destination ${addresses.destination} are not of one IP family`,
    )
  }
  return { source: source.bytes, destination: destination.bytes }
}
