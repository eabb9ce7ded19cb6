import {
  type Endpoint,
  escapeControlCharacters,
  type FramingName,
  formatHostPort,
  type SocketAddress,
} from '@protolab/core'
import type { TcpEndpoint } from '@protolab/tcp'
import { CliError } from '../errors.js'
import { type CliIO, writeAndDrain } from '../io.js'
import type { OutputFormat } from '../options/output.js'
import { frameDatagram } from './datagram-framing.js'
import { endpointEvents } from './events.js'
import { IncomingText } from './incoming-text.js'
import { outgoingMessages } from './outgoing.js'

/** Most bytes of standard input sent in one datagram, as OpenBSD nc's read buffer. */
const MAX_INPUT_DATAGRAM_BYTES = 16_384

/** How a two-way session behaves. */
export interface TwoWayOptions {
  /** Waiting for peers (nc -l) rather than connected to one. */
  readonly listening: boolean
  /** The framing of what is sent and received; `raw` passes bytes as they are. */
  readonly framing: FramingName
  /** Text on the wire: standard input (UTF-8) is transcoded to it, and in `text` output back. */
  readonly encoding: string
  /** `bytes`: peer bytes go to stdout unchanged; `text`: decoded from `encoding`. */
  readonly output: OutputFormat
  /** Text output: control characters made visible (line ends kept), so a peer cannot drive a terminal. */
  readonly escape: boolean
  /** TCP: at end of input, half-close (nc -N) instead of only stopping to send. */
  readonly halfClose: boolean
  /** End the session after this many seconds with nothing sent or received. */
  readonly idleSeconds?: number
  /** Listening: serve peer after peer (and several at once) instead of ending with the first. */
  readonly keepListening: boolean
  /** Say on stderr who connects and leaves. */
  readonly verbose: boolean
}

/**
 * Runs `nc`'s loop on an open endpoint: standard input goes to the peer while the peer's bytes go
 * to standard output, at the same time. It ends as OpenBSD nc does: connected, once both the input
 * and the peer have ended (or the connection is gone); listening without `keepListening`, once the
 * peer has ended; and always on Ctrl-C, SIGTERM or `idleSeconds` of silence. Closes the endpoint.
 * @throws CliError when the connection fails.
 */
export async function runTwoWay(endpoint: Endpoint, options: TwoWayOptions, io: CliIO): Promise<void> {
  const isUdp = !endpoint.semantics.connectionOriented
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
  const idleMs = options.idleSeconds === undefined ? undefined : options.idleSeconds * 1000
  const idle = idleMs === undefined ? undefined : setTimeout(() => finish(), idleMs)
  const touch = (): void => {
    idle?.refresh()
  }
  const onAbort = (): void => finish()
  io.signal.addEventListener('abort', onAbort, { once: true })
  if (io.signal.aborted) onAbort()

  // Listening, input waits for a peer: the first to connect (TCP) or write (UDP), as nc -l does.
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
  if (!options.listening) meet(endpoint.remoteAddress ?? { address: '', port: 0, family: 'IPv4' })

  let inputEnded = false
  let peerEnded = false
  const say = (line: string): void => {
    if (options.verbose) io.stderr.write(`${line}\n`)
  }
  const name = (peer: SocketAddress): string => formatHostPort(peer.address, peer.port)
  const write = outputWriter(options, isUdp, io)

  const receiving = (async () => {
    for await (const event of endpointEvents(endpoint)) {
      touch()
      if (event.kind === 'message') {
        const { from } = event.message
        if (isUdp && options.listening) {
          meet(from)
          // Without -k a UDP listener talks with its first peer only, as nc -u -l connects to it.
          if (!options.keepListening && name(from) !== name(firstPeer ?? from)) continue
        }
        await write(event.message.payload, from)
      } else if (event.kind === 'connect') {
        if (options.listening) say(`[${name(event.peer)}] connected`)
        meet(event.peer)
      } else if (event.kind === 'end') {
        // The peer sent all it will. A listener is done with it; a client waits for its own input.
        if (options.listening) {
          if (!options.keepListening) finish()
          else (endpoint as TcpEndpoint).closePeer(event.peer).catch(() => {})
        } else {
          peerEnded = true
          if (inputEnded) finish()
        }
      } else if (isUdp) {
        say(`[${name(event.peer)}] unreachable: ${event.error?.message ?? 'no reason given'}`)
      } else {
        say(
          `[${name(event.peer)}] disconnected${event.error === undefined ? '' : `: ${event.error.message}`}`,
        )
        if (!options.keepListening) {
          finish(peerEnded || event.error === undefined ? undefined : event.error)
        }
      }
    }
    // A client's stream ends with its connection: the peer has nothing more to say.
    if (!options.listening && !isUdp) {
      peerEnded = true
      if (inputEnded) finish()
    }
  })().catch((error: unknown) => finish(error instanceof Error ? error : new Error(String(error))))

  const sending = (async () => {
    if ((await peerKnown) === undefined) return
    const source = outgoingMessages({
      text: [],
      stdin: io.stdin,
      framing: options.framing,
      encoding: options.encoding,
      wholeInput: false,
      signal: input.signal,
      onLossyText: (text) =>
        io.stderr.write(
          `warning: ${options.encoding} cannot represent all of '${escapeControlCharacters(text)}'; sent with substitutes\n`,
        ),
    })
    for await (const payload of source) {
      if (finished) break
      const recipients = !options.listening
        ? [undefined]
        : options.keepListening
          ? endpoint.peers
          : [firstPeer]
      for (const piece of isUdp ? datagramsOf(payload, options.framing) : [payload]) {
        for (const to of recipients) await endpoint.send(piece, to)
      }
      touch()
    }
    inputEnded = true
    if (options.halfClose && !isUdp && !finished) {
      const peers = options.listening ? endpoint.peers : [endpoint.remoteAddress]
      for (const peer of peers) if (peer !== undefined) await (endpoint as TcpEndpoint).endSending(peer)
    }
    if (!options.listening && peerEnded) finish()
  })().catch((error: unknown) => {
    if (!finished) finish(error instanceof Error ? error : new Error(String(error)))
  })

  try {
    await done
  } finally {
    clearTimeout(idle)
    io.signal.removeEventListener('abort', onAbort)
    input.abort()
    await endpoint.close()
    await Promise.all([receiving, sending])
  }
  if (failure !== undefined && !io.signal.aborted) {
    throw new CliError(`connection failed: ${failure.message}`, { cause: failure })
  }
}

/** What is written to stdout for each payload: the bytes, or their text decoded (made visible on a terminal). */
function outputWriter(
  options: TwoWayOptions,
  isUdp: boolean,
  io: CliIO,
): (payload: Uint8Array, from: SocketAddress) => Promise<void> {
  if (options.output === 'bytes') return (payload) => writeAndDrain(io.stdout, payload)
  const text = new IncomingText(options.encoding, { streaming: !isUdp && options.framing === 'raw' })
  const lineEnd = options.framing === 'raw' ? '' : '\n'
  return (payload, from) => {
    const decoded = text.decode(from, payload)
    const shown = options.escape ? escapeKeepingLineEnds(decoded) : decoded
    return writeAndDrain(io.stdout, `${shown}${lineEnd}`)
  }
}

/** Control characters made visible, except the line ends (`\n`, `\r\n`) and tabs a terminal shows as such. */
function escapeKeepingLineEnds(text: string): string {
  return text
    .split(/(\r?\n|\t)/)
    .map((part, index) => (index % 2 === 1 ? part : escapeControlCharacters(part)))
    .join('')
}

/** Input for UDP: framed per message, a raw chunk cut into datagrams of at most 16 KiB. */
function datagramsOf(payload: Uint8Array, framing: FramingName): Uint8Array[] {
  if (framing !== 'raw') return [frameDatagram(framing, payload)]
  const pieces: Uint8Array[] = []
  for (let offset = 0; offset < payload.length; offset += MAX_INPUT_DATAGRAM_BYTES) {
    pieces.push(payload.subarray(offset, offset + MAX_INPUT_DATAGRAM_BYTES))
  }
  return pieces
}
