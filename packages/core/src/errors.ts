/**
 * Every error protolab throws is a {@link ProtolabError} with a stable `code`, so callers (and the
 * CLI's exit codes) branch on the code, never on the message.
 *
 * | code | thrown when |
 * | --- | --- |
 * | `ERR_INVALID_ADDRESS` | a host, IP address or `host:port` cannot be parsed |
 * | `ERR_PORT_RANGE` | a port is not an integer in 0-65535 |
 * | `ERR_PORT_IN_USE` | bind or listen found the port taken (EADDRINUSE) |
 * | `ERR_ADDRESS_NOT_AVAILABLE` | bind named an address this host does not have (EADDRNOTAVAIL) |
 * | `ERR_PERMISSION_DENIED` | the OS refused (EACCES: a port below 1024 without privileges, broadcast not enabled) |
 * | `ERR_MESSAGE_TOO_LARGE` | a datagram is larger than UDP can carry (65507 bytes over IPv4) |
 * | `ERR_FRAME_TOO_LARGE` | a frame is larger than the decoder's maximum (refused before allocating) |
 * | `ERR_INVALID_FRAME` | bytes cannot be a frame (a truncated frame at end of stream, a newline inside a line frame) |
 * | `ERR_UNKNOWN_ENCODING` | a text encoding is not supported |
 * | `ERR_CLOSED` | an endpoint is used after `close()` |
 * | `ERR_PEER_UNREACHABLE` | the peer refused or cannot be reached (ECONNREFUSED, ICMP port unreachable, EHOSTUNREACH) |
 * | `ERR_PEER_RESET` | the peer reset the connection (ECONNRESET, EPIPE) |
 * | `ERR_NOT_CONNECTED` | `send` without a destination on an endpoint that has no default peer |
 * | `ERR_CONNECTION_LIMIT` | a listener refused a connection over its maximum |
 * | `ERR_TIMEOUT` | an operation or an idle peer ran past its time limit |
 * | `ERR_ABORTED` | an AbortSignal ended the operation |
 * | `ERR_INVALID_ARGUMENT` | an option has a value it cannot take |
 * | `ERR_INVALID_PACKET` | bytes cannot be parsed as the packet or file format asked for |
 * | `ERR_LINK_UNAVAILABLE` | a lab link cannot run on this machine (no privileges, no namespaces, a tool missing) |
 * | `ERR_LINK_FAILED` | a lab link failed while it ran (a command or a process inside it) |
 */
export type ErrorCode =
  | 'ERR_INVALID_ADDRESS'
  | 'ERR_PORT_RANGE'
  | 'ERR_PORT_IN_USE'
  | 'ERR_ADDRESS_NOT_AVAILABLE'
  | 'ERR_PERMISSION_DENIED'
  | 'ERR_MESSAGE_TOO_LARGE'
  | 'ERR_FRAME_TOO_LARGE'
  | 'ERR_INVALID_FRAME'
  | 'ERR_UNKNOWN_ENCODING'
  | 'ERR_CLOSED'
  | 'ERR_PEER_UNREACHABLE'
  | 'ERR_PEER_RESET'
  | 'ERR_NOT_CONNECTED'
  | 'ERR_CONNECTION_LIMIT'
  | 'ERR_TIMEOUT'
  | 'ERR_ABORTED'
  | 'ERR_INVALID_ARGUMENT'
  | 'ERR_INVALID_PACKET'
  | 'ERR_LINK_UNAVAILABLE'
  | 'ERR_LINK_FAILED'

/** The base of every error protolab throws. */
export class ProtolabError extends Error {
  override name = 'ProtolabError'
  readonly code: ErrorCode

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
  }
}

/** Thrown when a host, IP address or `host:port` cannot be parsed. */
export class InvalidAddressError extends ProtolabError {
  override name = 'InvalidAddressError'
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_INVALID_ADDRESS', message, options)
  }
}

/** Thrown when a port is not an integer in 0-65535. */
export class PortRangeError extends ProtolabError {
  override name = 'PortRangeError'
  constructor(readonly port: unknown) {
    super('ERR_PORT_RANGE', `port ${String(port)} is out of range (0-65535)`)
  }
}

/** Thrown when bind or listen finds the port already taken. */
export class PortInUseError extends ProtolabError {
  override name = 'PortInUseError'
  constructor(
    readonly address: string,
    readonly port: number,
    options?: { cause?: unknown },
  ) {
    super('ERR_PORT_IN_USE', `port ${port} is already in use on ${address}`, options)
  }
}

/** Thrown when a datagram is larger than the transport can carry. */
export class MessageTooLargeError extends ProtolabError {
  override name = 'MessageTooLargeError'
  constructor(
    readonly size: number,
    readonly limit: number,
  ) {
    super(
      'ERR_MESSAGE_TOO_LARGE',
      `message of ${size} bytes is larger than the ${limit}-byte limit of a datagram`,
    )
  }
}

/** Thrown when a frame is larger than the decoder's maximum; raised before the frame is allocated. */
export class FrameTooLargeError extends ProtolabError {
  override name = 'FrameTooLargeError'
  constructor(
    readonly size: number,
    readonly limit: number,
  ) {
    super('ERR_FRAME_TOO_LARGE', `frame of ${size} bytes or more exceeds the maximum of ${limit} bytes`)
  }
}

/** Thrown when bytes cannot form a frame (a truncated frame at end of stream, a newline in a line frame). */
export class InvalidFrameError extends ProtolabError {
  override name = 'InvalidFrameError'
  constructor(message: string) {
    super('ERR_INVALID_FRAME', message)
  }
}

/** Thrown when a text encoding is not supported. */
export class UnknownEncodingError extends ProtolabError {
  override name = 'UnknownEncodingError'
  constructor(readonly encoding: string) {
    super('ERR_UNKNOWN_ENCODING', `unknown encoding "${encoding}"`)
  }
}

/** Thrown when an endpoint is used after `close()`. */
export class ClosedError extends ProtolabError {
  override name = 'ClosedError'
  constructor(message = 'the endpoint is closed') {
    super('ERR_CLOSED', message)
  }
}

/** Thrown when the peer refused or cannot be reached (ECONNREFUSED, ICMP port unreachable). */
export class PeerUnreachableError extends ProtolabError {
  override name = 'PeerUnreachableError'
  constructor(
    readonly address: string,
    readonly port: number,
    options?: { cause?: unknown },
  ) {
    super('ERR_PEER_UNREACHABLE', `peer ${formatHostPort(address, port)} is unreachable`, options)
  }
}

/** Thrown when the peer reset the connection. */
export class PeerResetError extends ProtolabError {
  override name = 'PeerResetError'
  constructor(message = 'the peer reset the connection', options?: { cause?: unknown }) {
    super('ERR_PEER_RESET', message, options)
  }
}

/** Thrown when an operation or an idle peer runs past its time limit. */
export class TimeoutError extends ProtolabError {
  override name = 'TimeoutError'
  constructor(message: string) {
    super('ERR_TIMEOUT', message)
  }
}

/** Thrown when an AbortSignal ends the operation. */
export class AbortError extends ProtolabError {
  override name = 'AbortError'
  constructor(message = 'the operation was aborted') {
    super('ERR_ABORTED', message)
  }
}

/** Thrown when an option has a value it cannot take. */
export class InvalidArgumentError extends ProtolabError {
  override name = 'InvalidArgumentError'
  constructor(message: string) {
    super('ERR_INVALID_ARGUMENT', message)
  }
}

/** Thrown when bytes cannot be parsed as the packet or file format asked for. */
export class InvalidPacketError extends ProtolabError {
  override name = 'InvalidPacketError'
  constructor(message: string) {
    super('ERR_INVALID_PACKET', message)
  }
}

/** Thrown when bind names an address this host does not have (EADDRNOTAVAIL). */
export class AddressNotAvailableError extends ProtolabError {
  override name = 'AddressNotAvailableError'
  constructor(
    readonly address: string,
    options?: { cause?: unknown },
  ) {
    super('ERR_ADDRESS_NOT_AVAILABLE', `address ${address} is not available on this host`, options)
  }
}

/** Thrown when the OS refuses an operation (EACCES: a port below 1024 without privileges). */
export class PermissionDeniedError extends ProtolabError {
  override name = 'PermissionDeniedError'
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_PERMISSION_DENIED', message, options)
  }
}

/** Thrown when `send` has no destination it can reach: no default peer, or a peer that is not connected. */
export class NotConnectedError extends ProtolabError {
  override name = 'NotConnectedError'
  constructor(message: string) {
    super('ERR_NOT_CONNECTED', message)
  }
}

/** Thrown (or reported) when a listener refuses a connection over its maximum. */
export class ConnectionLimitError extends ProtolabError {
  override name = 'ConnectionLimitError'
  constructor(readonly limit: number) {
    super('ERR_CONNECTION_LIMIT', `the listener already has its maximum of ${limit} connections`)
  }
}

/** True when `error` is a {@link ProtolabError}, optionally with the given code. */
export function isProtolabError(error: unknown, code?: ErrorCode): error is ProtolabError {
  return error instanceof ProtolabError && (code === undefined || error.code === code)
}

function formatHostPort(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`
}
