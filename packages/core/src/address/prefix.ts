import { InvalidAddressError } from '../errors.js'
import { bigIntToBytes, bytesToBigInt } from './_bigint.js'
import { isDecimal, quote } from './_text.js'
import { type IPFamily, parseIP } from './ip.js'

/** An address with a prefix length: `192.168.0.255/24` is the address 192.168.0.255 in 192.168.0.0/24. */
export interface Cidr {
  readonly family: IPFamily
  /** The address as written (not masked to the network), 4 or 16 bytes. */
  readonly bytes: Uint8Array
  /** How many leading bits name the network: 0-32 for IPv4, 0-128 for IPv6. */
  readonly prefixLength: number
}

/** The first and last address a host can use in a prefix, and how many there are. */
export interface HostRange {
  readonly first: Uint8Array
  readonly last: Uint8Array
  /** A bigint, because an IPv6 prefix can hold more than 2^53 hosts. */
  readonly count: bigint
}

/**
 * Parses `address[/prefix]`: `192.168.0.255/24`, `10.0.0.0/8`, `2001:db8::/32`. Without a prefix
 * the address stands alone: /32 for IPv4 and /128 for IPv6 (not its classful network: classes
 * stopped meaning network size in 1993, RFC 4632).
 * @throws InvalidAddressError saying what is wrong (`prefix /33 is over 32`).
 */
export function parseCidr(text: string): Cidr {
  const slash = text.indexOf('/')
  const addressText = slash === -1 ? text : text.slice(0, slash)
  const { family, bytes } = parseIP(addressText)
  const maxLength = bits(family)
  if (slash === -1) return { family, bytes, prefixLength: maxLength }

  const invalid = (problem: string) => new InvalidAddressError(`invalid prefix ${quote(text)}: ${problem}`)
  const lengthText = text.slice(slash + 1)
  if (lengthText === '') throw invalid("the prefix length after '/' is empty")
  if (!isDecimal(lengthText)) throw invalid(`prefix ${quote(`/${lengthText}`)} is not a decimal number`)
  const prefixLength = Number(lengthText)
  if (prefixLength > maxLength) {
    const shown = lengthText.length > 12 ? `${lengthText.slice(0, 12)}...` : lengthText
    throw invalid(`prefix /${shown} is over ${maxLength} for IPv${family}`)
  }
  return { family, bytes, prefixLength }
}

/** The network address: the address with every host bit cleared (`192.168.0.0` for `192.168.0.255/24`). */
export function networkAddress(cidr: Cidr): Uint8Array {
  checkCidr(cidr)
  return toBytes(cidr, bytesToBigInt(cidr.bytes) & networkMask(cidr))
}

/** The last address of the prefix: every host bit set (`192.168.0.255` for `192.168.0.1/24`). */
export function lastAddress(cidr: Cidr): Uint8Array {
  checkCidr(cidr)
  return toBytes(cidr, bytesToBigInt(cidr.bytes) | hostMask(cidr))
}

/** The netmask of the prefix (`255.255.255.0` for /24). */
export function netmask(cidr: Cidr): Uint8Array {
  checkCidr(cidr)
  return toBytes(cidr, networkMask(cidr))
}

/**
 * The directed broadcast address of an IPv4 prefix, or `undefined` when it has none: IPv6 has no
 * broadcast, a /31 is a point-to-point link whose two addresses are both hosts (RFC 3021), and a /32
 * is a single host.
 */
export function broadcastAddress(cidr: Cidr): Uint8Array | undefined {
  checkCidr(cidr)
  return hasReservedEnds(cidr) && cidr.family === 4 ? lastAddress(cidr) : undefined
}

/**
 * The addresses hosts can use in the prefix (what Python's `ipaddress` calls `hosts()`):
 * - IPv4 up to /30: all but the network and broadcast addresses (the notes' "last byte is not 0 or 255", for any prefix);
 * - IPv4 /31: both addresses (RFC 3021), /32: the one address;
 * - IPv6 up to /126: all but the network address, which is the Subnet-Router anycast address (RFC 4291 2.6.1);
 * - IPv6 /127: both (RFC 6164), /128: the one address.
 */
export function hostRange(cidr: Cidr): HostRange {
  checkCidr(cidr)
  const network = bytesToBigInt(cidr.bytes) & networkMask(cidr)
  const last = network | hostMask(cidr)
  if (!hasReservedEnds(cidr)) {
    return { first: toBytes(cidr, network), last: toBytes(cidr, last), count: last - network + 1n }
  }
  const lastHost = cidr.family === 4 ? last - 1n : last
  return { first: toBytes(cidr, network + 1n), last: toBytes(cidr, lastHost), count: lastHost - network }
}

/** True when the address is the network address of its prefix, which names the network and is no host's. */
export function isNetworkAddress(cidr: Cidr): boolean {
  checkCidr(cidr)
  return hasReservedEnds(cidr) && (bytesToBigInt(cidr.bytes) & hostMask(cidr)) === 0n
}

/** True when the address is the directed broadcast address of its IPv4 prefix (see {@link broadcastAddress}). */
export function isBroadcastAddress(cidr: Cidr): boolean {
  checkCidr(cidr)
  return (
    cidr.family === 4 &&
    hasReservedEnds(cidr) &&
    (bytesToBigInt(cidr.bytes) & hostMask(cidr)) === hostMask(cidr)
  )
}

/** True when `bytes` (of the same family) lie inside the prefix. */
export function prefixContains(cidr: Cidr, bytes: Uint8Array): boolean {
  checkCidr(cidr)
  if (bytes.length !== cidr.bytes.length) return false
  const mask = networkMask(cidr)
  return (bytesToBigInt(bytes) & mask) === (bytesToBigInt(cidr.bytes) & mask)
}

function checkCidr(cidr: Cidr): void {
  const expectedBytes = cidr.family === 4 ? 4 : 16
  if (cidr.bytes.length !== expectedBytes) {
    throw new InvalidAddressError(
      `an IPv${cidr.family} address is ${expectedBytes} bytes, got ${cidr.bytes.length}`,
    )
  }
  const maxLength = bits(cidr.family)
  if (!Number.isInteger(cidr.prefixLength) || cidr.prefixLength < 0 || cidr.prefixLength > maxLength) {
    throw new InvalidAddressError(
      `prefix /${cidr.prefixLength} is not in 0-${maxLength} for IPv${cidr.family}`,
    )
  }
}

function bits(family: IPFamily): number {
  return family === 4 ? 32 : 128
}

/** Whether the prefix sets its first (and for IPv4 last) address apart: below /31 for IPv4, /127 for IPv6. */
function hasReservedEnds(cidr: Cidr): boolean {
  return cidr.prefixLength < bits(cidr.family) - 1
}

function hostMask(cidr: Cidr): bigint {
  return (1n << BigInt(bits(cidr.family) - cidr.prefixLength)) - 1n
}

function networkMask(cidr: Cidr): bigint {
  return ((1n << BigInt(bits(cidr.family))) - 1n) ^ hostMask(cidr)
}

function toBytes(cidr: Cidr, value: bigint): Uint8Array {
  return bigIntToBytes(value, cidr.bytes.length)
}
