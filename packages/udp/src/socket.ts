import dgram, { type Socket } from 'node:dgram'
import { AbortError, type Destination, ipFamily, type SocketAddress } from '@protolab/core'
import { toProtolabError } from './errors.js'

/** Where {@link bindDatagramSocket} binds a node:dgram socket, and the one peer it may connect it to. */
export interface BindDatagramInit {
  /** The local address to bind (`0.0.0.0` or `::` for every interface). */
  readonly host: string
  /** The local port; 0 lets the OS choose one. */
  readonly port: number
  /** Connects the bound socket to this peer, so it sends and hears only there. */
  readonly peer?: Destination
  /** Runs once bound and before connecting: socket options that need a bound socket (SO_BROADCAST must precede a connect to a broadcast address). */
  readonly onBound?: (socket: Socket) => void
  /** Aborts the bind or connect with ERR_ABORTED. */
  readonly signal?: AbortSignal
}

/**
 * Binds a node:dgram `socket` (exclusively) and, with `peer`, connects it. On failure or abort it
 * closes the socket and rejects with core's coded errors: ERR_PORT_IN_USE, ERR_ADDRESS_NOT_AVAILABLE
 * (also for a bad local address), ERR_PERMISSION_DENIED (a port below 1024), ERR_INVALID_ADDRESS (a
 * peer host name that does not resolve), ERR_PEER_UNREACHABLE, ERR_ABORTED, or what `onBound` threw.
 * The UDP and KCP transports open their sockets with it.
 *
 * @example
 * ```ts
 * const socket = dgram.createSocket('udp4')
 * await bindDatagramSocket(socket, { host: '127.0.0.1', port: 0, peer: { address: '127.0.0.1', port: 9000 } })
 * ```
 */
export async function bindDatagramSocket(socket: Socket, init: BindDatagramInit): Promise<void> {
  const { host, port, peer, onBound } = init
  try {
    await abortable(init.signal, async () => {
      await bind(socket, host, port)
      onBound?.(socket)
      if (peer !== undefined) await connect(socket, peer)
    })
  } catch (error) {
    closeQuietly(socket)
    throw error
  }
}

/** Closes a node:dgram socket and resolves once it is closed; a socket already closed resolves at once. */
export function closeDatagramSocket(socket: Socket): Promise<void> {
  return new Promise<void>((resolve) => closeQuietly(socket, resolve))
}

/** A frozen {@link SocketAddress} from what node:dgram reports (`socket.address()`, a datagram's `rinfo`). */
export function socketAddressOf(address: { address: string; port: number; family: string }): SocketAddress {
  return Object.freeze({
    address: address.address,
    port: address.port,
    family: address.family === 'IPv6' ? 'IPv6' : 'IPv4',
  })
}

/**
 * True when this host can bind a UDP socket on `host` (tests ask it of `'::1'`: is IPv6 loopback
 * up?). The socket is released before it resolves.
 */
export async function canBindDatagram(host: string): Promise<boolean> {
  const socket = dgram.createSocket(ipFamily(host) === 6 ? 'udp6' : 'udp4')
  try {
    await bindDatagramSocket(socket, { host, port: 0 })
  } catch {
    return false
  }
  await closeDatagramSocket(socket)
  return true
}

function bind(socket: Socket, host: string, port: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const done = (): void => {
      socket.off('listening', onListening)
      socket.off('error', onError)
    }
    const onListening = (): void => {
      done()
      resolve()
    }
    const onError = (error: Error): void => {
      done()
      reject(toProtolabError(error, { kind: 'bind', address: host, port }))
    }
    socket.on('listening', onListening)
    socket.on('error', onError)
    try {
      socket.bind({ address: host, port, exclusive: true })
    } catch (error) {
      onError(error as Error)
    }
  })
}

function connect(socket: Socket, peer: Destination): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    socket.connect(peer.port, peer.address, (error?: Error) => {
      if (error) reject(toProtolabError(error, { kind: 'connect', address: peer.address, port: peer.port }))
      else resolve()
    })
  })
}

/** Runs `work`, rejecting with AbortError as soon as `signal` aborts; the caller cleans up. */
function abortable(signal: AbortSignal | undefined, work: () => Promise<void>): Promise<void> {
  if (signal === undefined) return work()
  return new Promise<void>((resolve, reject) => {
    const onAbort = (): void => reject(new AbortError())
    signal.addEventListener('abort', onAbort, { once: true })
    work().then(
      () => {
        signal.removeEventListener('abort', onAbort)
        resolve()
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort)
        reject(error)
      },
    )
  })
}

function closeQuietly(socket: Socket, callback?: () => void): void {
  try {
    socket.close(callback)
  } catch {
    // Already closed: nothing left to release.
    callback?.()
  }
}
