import { InvalidAddressError } from '../errors.js'
import { isDecimal, quote } from './_text.js'
import { hostNameProblem } from './hostname.js'
import { IPV4_BYTES, isIPv4, readIPv4 } from './ipv4.js'
import { formatIPv6, isIPv6, parseIPv6 } from './ipv6.js'
import { parsePort } from './port.js'

/** The host a bare port (`8080`, `:8080`) means when no default is given: loopback, never every interface. */
export const DEFAULT_HOST = '127.0.0.1'

/** A host (IP literal or host name, IPv6 without brackets) and a port. */
export interface HostPort {
  readonly host: string
  readonly port: number
}

/** What {@link parseHostPort} fills in when the input leaves a part out. */
export interface HostPortDefaults {
  /** The host for a bare port (`8080`, `:8080`); {@link DEFAULT_HOST} when not given. Not validated. */
  readonly host?: string
  /** The port for a bare host (`localhost`, `[::1]`); without it a port is required. */
  readonly port?: number
}

/**
 * Parses where to send or bind: `host:port`, `192.0.2.1:80`, `[2001:db8::1]:80`, a bare port
 * (`8080` or `:8080`, on `defaults.host`), or a bare host when `defaults.port` is given.
 * Hosts are IP literals or RFC 1123 host names. IP literals come back in canonical form (IPv6 as
 * RFC 5952, without brackets). `:8080` means the default host, not every interface: ask for
 * `0.0.0.0:8080` or `[::]:8080` for that. An unbracketed IPv6 address followed by a port
 * (`2001:db8::1:80`) is refused as ambiguous, with a hint to write `[addr]:port`.
 * @throws InvalidAddressError when the host or the form is invalid.
 * @throws PortRangeError when the port is outside 0-65535.
 */
export function parseHostPort(input: string, defaults: HostPortDefaults = {}): HostPort {
  const invalid = (problem: string) => new InvalidAddressError(`invalid address ${quote(input)}: ${problem}`)
  const defaultPort = (problem: string): number => {
    if (defaults.port === undefined) throw invalid(problem)
    return parsePort(defaults.port)
  }
  const portOf = (text: string): number => {
    if (isDecimal(text) || (text.startsWith('-') && isDecimal(text.slice(1)))) return parsePort(text)
    throw invalid(text === '' ? 'the port is empty' : `port ${quote(text)} is not a decimal number`)
  }
  const defaultHost = defaults.host ?? DEFAULT_HOST

  if (input === '') throw invalid('it is empty; expected host:port')

  if (input.startsWith('[')) {
    const close = input.indexOf(']')
    if (close === -1) throw invalid("'[' without a closing ']'")
    const literal = input.slice(1, close)
    if (isIPv4(literal)) throw invalid(`brackets are only for IPv6; write ${literal}:port`)
    const host = formatIPv6(parseIPv6(literal))
    const rest = input.slice(close + 1)
    if (rest === '') return { host, port: defaultPort(`no port; expected [${host}]:port`) }
    if (!rest.startsWith(':')) throw invalid(`expected ':port' after ']', found ${quote(rest)}`)
    return { host, port: portOf(rest.slice(1)) }
  }

  const colon = input.indexOf(':')
  if (colon !== -1 && input.includes(':', colon + 1)) {
    // Two or more colons: an IPv6 address, which cannot be followed by a port without brackets.
    const last = input.lastIndexOf(':')
    const before = input.slice(0, last)
    const after = input.slice(last + 1)
    if (isDecimal(after) && isIPv6(before)) {
      const hint = `[${formatIPv6(parseIPv6(before))}]:${after}`
      throw invalid(`ambiguous: write an IPv6 address with a port in brackets, as ${hint}`)
    }
    const host = formatIPv6(parseIPv6(input))
    return { host, port: defaultPort(`no port; an IPv6 address with a port is written [${host}]:port`) }
  }

  if (colon !== -1) {
    const hostText = input.slice(0, colon)
    const port = portOf(input.slice(colon + 1))
    return { host: hostText === '' ? defaultHost : checkHost(hostText), port }
  }

  if (isDecimal(input) || (input.startsWith('-') && isDecimal(input.slice(1)))) {
    return { host: defaultHost, port: portOf(input) }
  }
  return { host: checkHost(input), port: defaultPort(`no port; expected ${input}:port`) }
}

/** `text` as a host: an IPv4 literal or a host name. Dotted digits that are not IPv4 are refused. */
function checkHost(text: string): string {
  if (isIPv4(text)) return text
  const problem = hostNameProblem(text)
  if (problem === undefined) return text
  // `256.1.1.1` and `1.2.3` were meant as IPv4: say what is wrong with them as addresses.
  if (/^[0-9.]+$/.test(text)) {
    const ipv4Problem = readIPv4(text, new Uint8Array(IPV4_BYTES))
    throw new InvalidAddressError(`invalid IPv4 address ${quote(text)}: ${ipv4Problem}`)
  }
  throw new InvalidAddressError(`invalid host name ${quote(text)}: ${problem}`)
}

/**
 * Formats an address and port the way URLs and most tools write them: `127.0.0.1:53122`,
 * `[::1]:53122` (brackets around any address with a `:`), `localhost:80`.
 * @throws InvalidAddressError when `address` is empty or already has brackets.
 * @throws PortRangeError when `port` is not an integer 0-65535.
 */
export function formatHostPort(address: string, port: number): string {
  if (address === '' || /[[\]\s]/.test(address)) {
    throw new InvalidAddressError(
      `cannot format ${quote(address)} as a host: give the address without brackets`,
    )
  }
  const checkedPort = parsePort(port)
  return address.includes(':') ? `[${address}]:${checkedPort}` : `${address}:${checkedPort}`
}
