import { InvalidAddressError } from '../errors.js'
import { parseIP } from './ip.js'
import { IPV4_BYTES } from './ipv4.js'
import { IPV6_BYTES, isIPv4Mapped } from './ipv6.js'
import { type Cidr, parseCidr, prefixContains } from './prefix.js'

/**
 * Where an address can be used, from the IANA special-purpose address registries:
 * - `unspecified`: `0.0.0.0`, `::` (no address yet; binding to it means every interface);
 * - `loopback`: `127.0.0.0/8`, `::1` (this host only);
 * - `private`: `10.0.0.0/8`, `172.16.0.0/12`, `192.168.0.0/16` (RFC 1918);
 * - `shared`: `100.64.0.0/10`, carrier-grade NAT (RFC 6598);
 * - `link-local`: `169.254.0.0/16` (RFC 3927), `fe80::/10` (RFC 4291);
 * - `documentation`: `192.0.2.0/24`, `198.51.100.0/24`, `203.0.113.0/24` (RFC 5737), `2001:db8::/32` (RFC 3849), `3fff::/20` (RFC 9637);
 * - `multicast`: `224.0.0.0/4` (class D), `ff00::/8`;
 * - `broadcast`: `255.255.255.255`, the limited broadcast (RFC 919);
 * - `unique-local`: `fc00::/7` (RFC 4193), IPv6's private addresses;
 * - `reserved`: `0.0.0.0/8` ("this network", RFC 1122), `198.18.0.0/15` (benchmarking, RFC 2544), `240.0.0.0/4` (class E);
 * - `global`: everything else.
 */
export type AddressScope =
  | 'unspecified'
  | 'loopback'
  | 'private'
  | 'shared'
  | 'link-local'
  | 'documentation'
  | 'multicast'
  | 'broadcast'
  | 'unique-local'
  | 'reserved'
  | 'global'

type ScopeRule = readonly [prefix: Cidr, scope: AddressScope]

const rules = (entries: ReadonlyArray<readonly [string, AddressScope]>): ScopeRule[] =>
  entries.map(([prefix, scope]) => [parseCidr(prefix), scope])

/** Checked in order: the first matching prefix wins, so a single address comes before its block. */
const IPV4_RULES = rules([
  ['0.0.0.0/32', 'unspecified'],
  ['0.0.0.0/8', 'reserved'],
  ['10.0.0.0/8', 'private'],
  ['100.64.0.0/10', 'shared'],
  ['127.0.0.0/8', 'loopback'],
  ['169.254.0.0/16', 'link-local'],
  ['172.16.0.0/12', 'private'],
  ['192.0.2.0/24', 'documentation'],
  ['192.168.0.0/16', 'private'],
  ['198.18.0.0/15', 'reserved'],
  ['198.51.100.0/24', 'documentation'],
  ['203.0.113.0/24', 'documentation'],
  ['224.0.0.0/4', 'multicast'],
  ['255.255.255.255/32', 'broadcast'],
  ['240.0.0.0/4', 'reserved'],
])

const IPV6_RULES = rules([
  ['::/128', 'unspecified'],
  ['::1/128', 'loopback'],
  ['ff00::/8', 'multicast'],
  ['fe80::/10', 'link-local'],
  ['fc00::/7', 'unique-local'],
  ['2001:db8::/32', 'documentation'],
  ['3fff::/20', 'documentation'],
])

/**
 * The scope of an IPv4 or IPv6 address (see {@link AddressScope}). An IPv4-mapped IPv6 address
 * (`::ffff:192.168.1.1`) has the scope of its IPv4 address.
 * @throws InvalidAddressError when `address` is not an IP address (text, or 4 or 16 bytes).
 */
export function addressScope(address: string | Uint8Array): AddressScope {
  const bytes = typeof address === 'string' ? parseIP(address).bytes : address
  if (bytes.length === IPV6_BYTES && isIPv4Mapped(bytes)) return scopeIn(IPV4_RULES, bytes.subarray(12))
  if (bytes.length === IPV4_BYTES) return scopeIn(IPV4_RULES, bytes)
  if (bytes.length === IPV6_BYTES) return scopeIn(IPV6_RULES, bytes)
  throw new InvalidAddressError(`an IP address is 4 or 16 bytes, got ${bytes.length}`)
}

function scopeIn(rules: readonly ScopeRule[], bytes: Uint8Array): AddressScope {
  return rules.find(([prefix]) => prefixContains(prefix, bytes))?.[1] ?? 'global'
}
