import type { PeerClosingEndpoint } from '../access/filtered-endpoint.js'
import { formatHostPort } from '../address/index.js'
import { frameDatagram } from '../framing/datagram.js'
import type { FramingName } from '../framing/types.js'
import type { Endpoint, SocketAddress } from '../transport/types.js'
import { closePeer } from './close-peer.js'
import { endpointEvents } from './endpoint-events.js'

/** Most bytes of input sent in one datagram, as OpenBSD nc's read buffer. */
const MAX_INPUT_DATAGRAM_BYTES = 16_384

/** A peer came or went, as a two-way session tells it. */
export type TwoWayPeerEvent =
  /** A peer connected (connection-oriented transports). */
  | { readonly kind: 'connect'; readonly peer: SocketAddress }
  /** A peer's connection ended; `error` says why when it was not a clean close. */
  | { readonly kind: 'disconnect'; readonly peer: SocketAddress; readonly error: Error | undefined }
  /** Connectionless: an ICMP error came back for a peer (nothing listens there). */
  | { readonly kind: 'unreachable'; readonly peer: SocketAddress; readonly error: Error | undefined }

/** How a two-way session behaves, and where its bytes come from and go. */
export interface TwoWayInit {
  /** Waiting for peers (nc -l) rather than connected to one. */
  readonly listening: boolean
  /** Connectionless: how input messages are put in datagrams; `raw` cuts them at 16 KiB. */
  readonly framing: FramingName
  /** Connection-oriented: at end of input, half-close (nc -N) where the endpoint can, instead of only stopping to send. */
  readonly halfClose: boolean
  /** End the session after this long with nothing sent or received. */
  readonly idleMs?: number
  /** Listening: serve peer after peer (and several at once) instead of ending with the first. */
  readonly keepListening: boolean
  /** Ends the session (without an error) when aborted. */
  readonly signal?: AbortSignal
  /**
   * The messages to send, read once a peer is known (listening: the first to connect or write).
   * `signal` is aborted when the session ends, so a reader of standard input can stop.
   */
  readonly input: (signal: AbortSignal) => AsyncIterable<Uint8Array>
  /** Called with each message received; the session reads on once it settles (backpressure). */
  readonly onMessage: (payload: Uint8Array, from: SocketAddress) => void | Promise<void>
  /** Told of peers that come and go. */
  readonly onPeer?: (event: TwoWayPeerEvent) => void
}

/**
 * Runs `nc`'s loop on an open endpoint: `input` goes to the peer while the peer's messages go to
 * `onMessage`, at the same time. It ends as OpenBSD nc does: connected, once both the input and
 * the peer have ended (or the connection is gone); listening without `keepListening`, once the
 * peer has ended; and always when `signal` aborts or after `idleMs` of silence. Closes the endpoint.
 * A connectionless listener without `keepListening` talks with its first peer only.
 * @throws the error that ended the connection (a `PeerResetError`, ...), unless `signal` aborted.
 */
export async function runTwoWay(endpoint: Endpoint, init: TwoWayInit): Promise<void> {
  const connectionless = !endpoint.semantics.connectionOriented
  const input = new AbortController()
  let failure: Error | undefined
  let finished = false
  let resolveDone = (): void => {}
  const done = new Promise<void>((resolve) => {
    resolveDone = resolve
  })
  const finish = (error?: Error): void => {
    if (finished) return
    finished = true
    failure = error
    resolveDone()
  }
  const idle = init.idleMs === undefined ? undefined : setTimeout(() => finish(), init.idleMs)
  const touch = (): void => {
    idle?.refresh()
  }
  const onAbort = (): void => finish()
  init.signal?.addEventListener('abort', onAbort, { once: true })
  if (init.signal?.aborted) onAbort()

  // Listening, input waits for a peer: the first to connect or write, as nc -l does.
  let firstPeer: SocketAddress | undefined
  let resolvePeer = (_peer: SocketAddress | undefined): void => {}
  const peerKnown = new Promise<SocketAddress | undefined>((resolve) => {
    resolvePeer = resolve
  })
  const meet = (peer: SocketAddress): void => {
    if (firstPeer !== undefined) return
    firstPeer = peer
    resolvePeer(peer)
  }
  void done.then(() => resolvePeer(undefined))
  if (!init.listening) meet(endpoint.remoteAddress ?? { address: '', port: 0, family: 'IPv4' })

  let inputEnded = false
  let peerEnded = false
  const name = (peer: SocketAddress): string => formatHostPort(peer.address, peer.port)
  // Half-closing is a connection-oriented endpoint's (TCP's); one without it only stops sending.
  const halfClosing = endpoint as Partial<Pick<PeerClosingEndpoint, 'endSending'>>

  const receiving = (async () => {
    for await (const event of endpointEvents(endpoint)) {
      touch()
      if (event.kind === 'message') {
        const { from } = event.message
        if (connectionless && init.listening) {
          meet(from)
          // Without -k a UDP listener talks with its first peer only, as nc -u -l connects to it.
          if (!init.keepListening && name(from) !== name(firstPeer ?? from)) continue
        }
        await init.onMessage(event.message.payload, from)
      } else if (event.kind === 'connect') {
        init.onPeer?.({ kind: 'connect', peer: event.peer })
        meet(event.peer)
      } else if (event.kind === 'end') {
        // The peer sent all it will. A listener is done with it; a client waits for its own input.
        if (init.listening) {
          if (!init.keepListening) finish()
          else closePeer(endpoint, event.peer)
        } else {
          peerEnded = true
          if (inputEnded) finish()
        }
      } else if (connectionless) {
        init.onPeer?.({ kind: 'unreachable', peer: event.peer, error: event.error })
      } else {
        init.onPeer?.({ kind: 'disconnect', peer: event.peer, error: event.error })
        if (!init.keepListening) finish(peerEnded || event.error === undefined ? undefined : event.error)
      }
    }
    // A client's stream ends with its connection: the peer has nothing more to say.
    if (!init.listening && !connectionless) {
      peerEnded = true
      if (inputEnded) finish()
    }
  })().catch((error: unknown) => finish(error instanceof Error ? error : new Error(String(error))))

  const sending = (async () => {
    if ((await peerKnown) === undefined) return
    for await (const payload of init.input(input.signal)) {
      if (finished) break
      const recipients = !init.listening ? [undefined] : init.keepListening ? endpoint.peers : [firstPeer]
      for (const piece of connectionless ? datagramsOf(payload, init.framing) : [payload]) {
        for (const to of recipients) await endpoint.send(piece, to)
      }
      touch()
    }
    inputEnded = true
    if (init.halfClose && !connectionless && !finished) {
      const peers = init.listening ? endpoint.peers : [endpoint.remoteAddress]
      for (const peer of peers) if (peer !== undefined) await halfClosing.endSending?.(peer)
    }
    if (!init.listening && peerEnded) finish()
  })().catch((error: unknown) => {
    if (!finished) finish(error instanceof Error ? error : new Error(String(error)))
  })

  try {
    await done
  } finally {
    clearTimeout(idle)
    init.signal?.removeEventListener('abort', onAbort)
    input.abort()
    await endpoint.close()
    await Promise.all([receiving, sending])
  }
  if (failure !== undefined && !init.signal?.aborted) throw failure
}

/** Input for a datagram: framed per message, a raw chunk cut into datagrams of at most 16 KiB. */
function datagramsOf(payload: Uint8Array, framing: FramingName): Uint8Array[] {
  if (framing !== 'raw') return [frameDatagram(framing, payload)]
  const pieces: Uint8Array[] = []
  for (let offset = 0; offset < payload.length; offset += MAX_INPUT_DATAGRAM_BYTES) {
    pieces.push(payload.subarray(offset, offset + MAX_INPUT_DATAGRAM_BYTES))
  }
  return pieces
}
