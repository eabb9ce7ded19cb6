import type { Destination, HostPort } from '@protolab/core'
import { Option } from 'commander'
import { CliError, UsageError } from '../errors.js'

/** An IP version a command is limited to by `-4` or `-6`; undefined lets the address decide. */
export type IPVersion = 4 | 6 | undefined

/** The flags that limit a command to one IP version. */
export interface IPVersionFlags {
  readonly ipv4?: boolean
  readonly ipv6?: boolean
}

/** `--bind [host:]port`: the local address to use (port alone: on loopback; 0: the OS picks). */
export function bindOption(
  description = 'local address to bind: [host:]port (default: loopback, port chosen by the OS)',
): Option {
  return new Option('--bind <[host:]port>', description)
}

/** `-4` and `-6`: use IPv4 or IPv6 only (a bare port then means 127.0.0.1 or ::1). */
export function ipVersionOptions(): Option[] {
  return [
    new Option('-4, --ipv4', 'IPv4 only (a bare port means 127.0.0.1)').conflicts('ipv6'),
    new Option('-6, --ipv6', 'IPv6 only (a bare port means ::1)').conflicts('ipv4'),
  ]
}

/** The IP version the flags ask for. */
export function ipVersionOf(flags: IPVersionFlags): IPVersion {
  if (flags.ipv4) return 4
  if (flags.ipv6) return 6
  return undefined
}

/** The loopback address of an IP version: where a bare port listens or binds. */
export function loopbackOf(version: IPVersion): string {
  return version === 6 ? '::1' : '127.0.0.1'
}

/**
 * Parses a local address, `[host:]port`: a bare port means loopback (never every interface; ask
 * for `0.0.0.0:PORT` or `[::]:PORT`). A host name is resolved to one address.
 * @throws InvalidAddressError, PortRangeError (exit code 2) for a malformed address or port.
 */
export async function parseLocalAddress(text: string, version: IPVersion): Promise<HostPort> {
  const { parseHostPort } = await import('@protolab/core')
  const { host, port } = parseHostPort(text, { host: loopbackOf(version) })
  return { host: await resolveHost(host, version), port }
}

/**
 * Parses where to send or connect, `host:port` with a port from 1 to 65535, and resolves a host
 * name to one address of the asked IP version.
 */
export async function parseDestination(text: string, version: IPVersion): Promise<Destination> {
  const { parseHostPort } = await import('@protolab/core')
  const { host, port } = parseHostPort(text)
  if (port === 0) {
    throw new UsageError(`cannot send to port 0 of ${host}: port 0 only means "any port" when binding`, {
      hint: 'give the port the peer listens on, e.g. 127.0.0.1:9000',
    })
  }
  return { address: await resolveHost(host, version), port }
}

/**
 * Formats a socket address as `127.0.0.1:53122` or `[::1]:53122`, as core's `formatHostPort` does
 * for addresses the OS or core already checked; written here so the command modules that define
 * flags load no codec tables (see commands/index.ts).
 */
export function formatAddress(address: { readonly address: string; readonly port: number }): string {
  return address.address.includes(':')
    ? `[${address.address}]:${address.port}`
    : `${address.address}:${address.port}`
}

async function resolveHost(host: string, version: IPVersion): Promise<string> {
  const { ipFamily } = await import('@protolab/core')
  const family = ipFamily(host)
  if (family !== undefined) {
    if (version !== undefined && family !== version) {
      throw new UsageError(`${host} is an IPv${family} address, but -${version} asks for IPv${version}`)
    }
    return host
  }
  const { lookup } = await import('node:dns/promises')
  try {
    const { address } = await lookup(host, { family: version ?? 0 })
    return address
  } catch (error) {
    throw new CliError(
      `cannot resolve host name '${host}'${version === undefined ? '' : ` to an IPv${version} address`}`,
      {
        hint: 'check the name, or give an IP address',
        cause: error,
      },
    )
  }
}
