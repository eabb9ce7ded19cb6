import { formatIP } from './ip.js'
import { type IPv4Class, ipv4Class } from './ipv4-class.js'
import { expandIPv6, formatIPv6 } from './ipv6.js'
import {
  broadcastAddress,
  hostRange,
  isBroadcastAddress,
  isNetworkAddress,
  networkAddress,
  parseCidr,
} from './prefix.js'
import { type AddressScope, addressScope } from './scope.js'

/** Scopes whose addresses are never a host's own unicast address. */
const NOT_A_HOST: ReadonlySet<AddressScope> = new Set(['unspecified', 'multicast', 'broadcast', 'reserved'])

/**
 * Everything `protolab ip` reports about an address; a plain JSON-safe object (no bigint), and
 * these field names are the `--json` contract.
 */
export interface AddressDescription {
  readonly family: 'IPv4' | 'IPv6'
  /** The address in canonical form (IPv6 compressed by RFC 5952), without the prefix. */
  readonly address: string
  /** The prefix length: as given, or 32 / 128 when none was given (the address alone). */
  readonly prefix: number
  /** The classful class, A to E, by the first octet; `null` for IPv6. Reported even without a prefix. */
  readonly class: IPv4Class | null
  /** The network address of the prefix. */
  readonly network: string
  /** The directed broadcast address; `null` for IPv6 and for IPv4 /31 and /32, which have none. */
  readonly broadcast: string | null
  readonly firstHost: string
  readonly lastHost: string
  /**
   * How many addresses hosts can use (see {@link hostRange}). A number when it is at most
   * `Number.MAX_SAFE_INTEGER` (always for IPv4), else its exact decimal string (`"18446744073709551615"`
   * for an IPv6 /64), so JSON stays exact.
   */
  readonly hostCount: number | string
  readonly scope: AddressScope
  /** The address is its prefix's network address (never for IPv4 /31, /32 or IPv6 /127, /128). */
  readonly isNetworkAddress: boolean
  /** The address is its IPv4 prefix's broadcast address. */
  readonly isBroadcastAddress: boolean
  /** Neither the network nor the broadcast address, and not unspecified, multicast, broadcast or reserved. */
  readonly usableAsHost: boolean
  /** All eight groups of four hex digits; `null` for IPv4. */
  readonly expanded: string | null
  /** The RFC 5952 form; `null` for IPv4. */
  readonly compressed: string | null
}

/**
 * Describes `address[/prefix]` (`192.168.0.255/24`, `10.0.0.0/8`, `::1`, `2001:db8::/32`): family,
 * class, network, broadcast, host range and count, scope, and whether the address can be a host.
 * Without a prefix the address stands alone (/32, /128), so it is never a network or broadcast address.
 * @throws InvalidAddressError with a one-line reason (`octet 256 is over 255`, `prefix /33 is over 32 for IPv4`).
 */
export function describeAddress(input: string): AddressDescription {
  const cidr = parseCidr(input)
  const isV4 = cidr.family === 4
  const hosts = hostRange(cidr)
  const broadcast = broadcastAddress(cidr)
  const scope = addressScope(cidr.bytes)
  const isNetwork = isNetworkAddress(cidr)
  const isBroadcast = isBroadcastAddress(cidr)
  return {
    family: isV4 ? 'IPv4' : 'IPv6',
    address: formatIP(cidr.bytes),
    prefix: cidr.prefixLength,
    class: isV4 ? ipv4Class(cidr.bytes) : null,
    network: formatIP(networkAddress(cidr)),
    broadcast: broadcast === undefined ? null : formatIP(broadcast),
    firstHost: formatIP(hosts.first),
    lastHost: formatIP(hosts.last),
    hostCount: hosts.count <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(hosts.count) : hosts.count.toString(),
    scope,
    isNetworkAddress: isNetwork,
    isBroadcastAddress: isBroadcast,
    usableAsHost: !isNetwork && !isBroadcast && !NOT_A_HOST.has(scope),
    expanded: isV4 ? null : expandIPv6(cidr.bytes),
    compressed: isV4 ? null : formatIPv6(cidr.bytes),
  }
}
