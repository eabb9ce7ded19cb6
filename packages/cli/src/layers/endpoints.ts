import { ipFamily, type PacketEndpoint, parseHostPort } from '@protolab/core'
import { UsageError } from '../errors.js'

/** Source port of a built packet unless `--from` names one: the first dynamic port. */
export const DEFAULT_SOURCE_PORT = 49152
/** Destination port of a built packet unless `--to` names one. */
export const DEFAULT_DESTINATION_PORT = 9000

/**
 * The two ends of the packet to build. Each is `ip:port` (`[v6]:port`); a missing end is loopback
 * in the other end's family, so `--to [::1]:80` alone builds IPv6.
 * @throws UsageError for a host name (a packet carries addresses) or mixed IPv4 and IPv6.
 * @throws InvalidAddressError, PortRangeError for malformed text.
 */
export function packetEndpoints(
  from: string | undefined,
  to: string | undefined,
): { from: PacketEndpoint; to: PacketEndpoint } {
  const source = from === undefined ? undefined : endpoint(from, '--from')
  const destination = to === undefined ? undefined : endpoint(to, '--to')
  const loopback = ipFamily((source ?? destination)?.address ?? '') === 6 ? '::1' : '127.0.0.1'
  const resolved = {
    from: source ?? { address: loopback, port: DEFAULT_SOURCE_PORT },
    to: destination ?? { address: loopback, port: DEFAULT_DESTINATION_PORT },
  }
  if (ipFamily(resolved.from.address) !== ipFamily(resolved.to.address)) {
    throw new UsageError(
      `--from ${resolved.from.address} and --to ${resolved.to.address} are of different IP versions`,
      { hint: 'a packet is IPv4 or IPv6 end to end: give two IPv4 or two IPv6 addresses' },
    )
  }
  return resolved
}

function endpoint(text: string, flag: string): PacketEndpoint {
  const { host, port } = parseHostPort(text)
  if (ipFamily(host) === undefined) {
    throw new UsageError(`${flag} needs an IP address and port, not '${text}'`, {
      hint: 'write ip:port, e.g. 127.0.0.1:9000 or [::1]:9000: a packet carries addresses, not names',
    })
  }
  return { address: host, port }
}
