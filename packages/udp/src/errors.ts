import {
  AddressNotAvailableError,
  ClosedError,
  InvalidAddressError,
  MessageTooLargeError,
  PeerUnreachableError,
  PermissionDeniedError,
  PortInUseError,
  ProtolabError,
} from '@protolab/core'

/** What the socket was doing when it failed, so the error can name the address it concerns. */
export type UdpOperation =
  | { readonly kind: 'bind'; readonly address: string; readonly port: number }
  | { readonly kind: 'connect' | 'receive'; readonly address: string; readonly port: number }
  | {
      readonly kind: 'send'
      readonly address: string
      readonly port: number
      readonly size: number
      readonly limit: number
    }

/**
 * Turns an error from node:dgram (an errno in `code`) into a typed {@link ProtolabError}, keeping the
 * original as `cause`. A ProtolabError passes through unchanged.
 *
 * | errno | becomes |
 * | --- | --- |
 * | EADDRINUSE | PortInUseError |
 * | EADDRNOTAVAIL | AddressNotAvailableError |
 * | EACCES, EPERM | PermissionDeniedError (a port below 1024, or broadcast without `broadcast: true`) |
 * | EMSGSIZE | MessageTooLargeError |
 * | ECONNREFUSED, EHOSTUNREACH, ENETUNREACH, EHOSTDOWN | PeerUnreachableError |
 * | ENOTFOUND, EAI_AGAIN | InvalidAddressError (a host name that does not resolve) |
 * | ERR_SOCKET_DGRAM_NOT_RUNNING | ClosedError |
 * | anything else | AddressNotAvailableError on bind, PeerUnreachableError otherwise |
 */
export function toProtolabError(error: unknown, operation: UdpOperation): ProtolabError {
  if (error instanceof ProtolabError) return error
  const code = errnoOf(error)
  const options = { cause: error }
  const { address, port } = operation
  switch (code) {
    case 'EADDRINUSE':
      return new PortInUseError(address, port, options)
    case 'EADDRNOTAVAIL':
      return new AddressNotAvailableError(address, options)
    case 'EACCES':
    case 'EPERM':
      return new PermissionDeniedError(permissionMessage(operation, code), options)
    case 'EMSGSIZE':
      return operation.kind === 'send'
        ? new MessageTooLargeError(operation.size, operation.limit)
        : new PeerUnreachableError(address, port, options)
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NODATA':
      return new InvalidAddressError(`host ${JSON.stringify(address)} was not found (${code})`, options)
    case 'ERR_SOCKET_DGRAM_NOT_RUNNING':
      return new ClosedError()
    default:
      // ECONNREFUSED (ICMP port unreachable), EHOSTUNREACH, ENETUNREACH and the rest.
      return operation.kind === 'bind'
        ? new AddressNotAvailableError(address, options)
        : new PeerUnreachableError(address, port, options)
  }
}

const UNREACHABLE_ERRNOS = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN'])

/**
 * True when a socket error says the peer cannot be reached: on a connected socket, an ICMP error
 * (port or host unreachable) that the OS reports on the next receive. The socket stays usable.
 */
export function isUnreachable(error: unknown): boolean {
  const code = errnoOf(error)
  return code !== undefined && UNREACHABLE_ERRNOS.has(code)
}

function permissionMessage(operation: UdpOperation, code: string): string {
  if (operation.kind === 'bind') {
    return `the OS refused to bind ${operation.address} port ${operation.port} (${code}; ports below 1024 need privileges)`
  }
  return `the OS refused to send to ${operation.address} port ${operation.port} (${code}; a broadcast address needs broadcast: true)`
}

function errnoOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined
  return typeof error.code === 'string' ? error.code : undefined
}
