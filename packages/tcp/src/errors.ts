import {
  AddressNotAvailableError,
  PeerResetError,
  PeerUnreachableError,
  PermissionDeniedError,
  PortInUseError,
  ProtolabError,
  TimeoutError,
} from '@protolab/core'

/** What the failing socket was doing, so an errno can name the address it concerns. */
export type SocketOperation =
  | { readonly kind: 'listen'; readonly address: string; readonly port: number }
  | {
      readonly kind: 'connect'
      readonly address: string
      readonly port: number
      readonly localAddress?: string
      readonly localPort?: number
    }
  | { readonly kind: 'io'; readonly peer: string }

/**
 * Turns what node:net threw or emitted into a typed {@link ProtolabError}, keeping the original as
 * `cause`. A ProtolabError passes through unchanged.
 */
export function toProtolabError(error: unknown, operation: SocketOperation): ProtolabError {
  if (error instanceof ProtolabError) return error
  const code = errnoOf(error)
  const options = { cause: error }
  switch (code) {
    case 'EADDRINUSE':
      return operation.kind === 'connect'
        ? new PortInUseError(operation.localAddress ?? '0.0.0.0', operation.localPort ?? 0, options)
        : new PortInUseError(addressOf(operation), portOf(operation), options)
    case 'EADDRNOTAVAIL':
      return new AddressNotAvailableError(
        operation.kind === 'connect' ? (operation.localAddress ?? operation.address) : addressOf(operation),
        options,
      )
    case 'EACCES':
    case 'EPERM':
      return new PermissionDeniedError(`the OS refused to ${describe(operation)} (${code})`, options)
    case 'ECONNRESET':
    case 'EPIPE':
      return new PeerResetError(`${peerOf(operation)} reset the connection (${code})`, options)
    case 'ETIMEDOUT':
      if (operation.kind === 'io') return new TimeoutError(`${operation.peer} stopped answering (ETIMEDOUT)`)
      return new PeerUnreachableError(addressOf(operation), portOf(operation), options)
    default:
      if (operation.kind === 'io') {
        return new PeerResetError(
          `the connection to ${operation.peer} failed (${code ?? 'unknown'})`,
          options,
        )
      }
      if (operation.kind === 'connect') {
        // ECONNREFUSED, EHOSTUNREACH, ENETUNREACH, ENOTFOUND (a name that does not resolve) and the rest.
        return new PeerUnreachableError(operation.address, operation.port, options)
      }
      return new AddressNotAvailableError(operation.address, options)
  }
}

function errnoOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined
  return typeof error.code === 'string' ? error.code : undefined
}

function addressOf(operation: SocketOperation): string {
  return operation.kind === 'io' ? operation.peer : operation.address
}

function portOf(operation: SocketOperation): number {
  return operation.kind === 'io' ? 0 : operation.port
}

function peerOf(operation: SocketOperation): string {
  return operation.kind === 'io' ? operation.peer : `${operation.address} port ${operation.port}`
}

function describe(operation: SocketOperation): string {
  switch (operation.kind) {
    case 'listen':
      return `listen on ${operation.address} port ${operation.port}`
    case 'connect':
      return `connect to ${operation.address} port ${operation.port}`
    case 'io':
      return `use the connection to ${operation.peer}`
  }
}
