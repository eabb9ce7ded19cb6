import {
  AddressNotAvailableError,
  InvalidAddressError,
  PeerUnreachableError,
  PermissionDeniedError,
  PortInUseError,
  ProtolabError,
} from '@protolab/core'

/**
 * Turns an error of the UDP socket under KCP into a typed {@link ProtolabError}, keeping the original
 * as `cause`: EADDRINUSE → ERR_PORT_IN_USE, EADDRNOTAVAIL → ERR_ADDRESS_NOT_AVAILABLE, EACCES/EPERM →
 * ERR_PERMISSION_DENIED, ENOTFOUND/EAI_AGAIN → ERR_INVALID_ADDRESS, anything else on bind →
 * ERR_ADDRESS_NOT_AVAILABLE and otherwise ERR_PEER_UNREACHABLE. The endpoint binds and connects its
 * socket with @protolab/udp's `bindDatagramSocket`, which maps those errors the same way.
 */
export function toProtolabError(
  error: unknown,
  kind: 'bind' | 'connect' | 'socket',
  address: string,
  port: number,
): ProtolabError {
  if (error instanceof ProtolabError) return error
  const options = { cause: error }
  switch (errnoOf(error)) {
    case 'EADDRINUSE':
      return new PortInUseError(address, port, options)
    case 'EADDRNOTAVAIL':
      return new AddressNotAvailableError(address, options)
    case 'EACCES':
    case 'EPERM':
      return new PermissionDeniedError(
        `the OS refused to ${kind} ${address} port ${port} (ports below 1024 need privileges)`,
        options,
      )
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NODATA':
      return new InvalidAddressError(`host ${JSON.stringify(address)} was not found`, options)
    default:
      return kind === 'bind'
        ? new AddressNotAvailableError(address, options)
        : new PeerUnreachableError(address, port, options)
  }
}

/** True for the errors an ICMP message raises on a connected socket: KCP keeps retrying through them. */
export function isTransient(error: unknown): boolean {
  const code = errnoOf(error)
  return code === 'ECONNREFUSED' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || code === 'EHOSTDOWN'
}

function errnoOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined
  return typeof error.code === 'string' ? error.code : undefined
}
