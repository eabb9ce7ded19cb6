import {
  accessListOf,
  formatHostPort,
  guardEndpoint,
  normalizeEncoding,
  type SocketAddress,
} from '@protolab/core'
import { closePeer, encodeChatLine, endpointEvents, IncomingText } from '@protolab/core/session'
import { CliError } from '../errors.js'
import type { CliIO } from '../io.js'
import { formatAddress, ipVersionOf, parseDestination, parseLocalAddress } from '../options/address.js'
import { keepsBoundaries } from '../options/transport.js'
import { showPeerText } from '../output/peer-text.js'
import { refusedOnce } from '../session/access.js'
import { captureSession } from '../session/capture.js'
import { createTransport } from '../session/transport.js'
import { ChatConsole } from './console.js'
import { chatEventLine } from './json-events.js'
import { type ChatOptions, QUIT_COMMAND } from './options.js'

/**
 * A full-duplex chat with one peer (or, listening, with whoever connects or writes): lines typed
 * are sent as they are entered while lines received are shown as `>>> [127.0.0.1:8081] text`.
 * Ends on `/quit`, end of input, Ctrl-C or SIGTERM (exit 0), or when a TCP peer closes (exit 0,
 * or 1 when the connection failed).
 */
export async function runChatPeer(options: ChatOptions, io: CliIO): Promise<void> {
  const version = ipVersionOf(options)
  const encoding = normalizeEncoding(options.encoding)
  const isUdp = keepsBoundaries(options.transport)
  const access = accessListOf(options)
  const peer = options.peer === undefined ? undefined : await parseDestination(options.peer, version)
  const localText = options.listen ?? options.bind
  const bind =
    localText !== undefined
      ? await parseLocalAddress(localText, version)
      : isUdp && peer !== undefined
        ? { host: defaultUdpHost(peer.address), port: 0 }
        : undefined
  const transport = await createTransport(options.transport, {
    framing: 'line',
    maxConnections: options.maxConnections,
    idleTimeoutMs: options.idleTimeout * 1000,
  })
  const listening = peer === undefined
  // Captured from before the connection, so a TCP handshake is recorded too.
  const captureBeforeOpen = listening ? undefined : await captureSession(options.capture, [peer], io)
  const opened = await transport
    .open({
      ...(bind === undefined ? {} : { bind }),
      ...(peer === undefined ? {} : { peer }),
      ...(listening ? { listen: true } : {}),
      signal: io.signal,
    })
    .catch(async (error: unknown) => {
      await captureBeforeOpen?.stop()
      throw error
    })

  // A listening chat is captured once it is bound, before any peer can reach it.
  const capture =
    captureBeforeOpen ??
    (await captureSession(options.capture, [opened.localAddress], io).catch(async (error: unknown) => {
      await opened.close()
      throw error
    }))
  const screen = new ChatConsole(io)
  const stop = (): void => screen.close()
  io.signal.addEventListener('abort', stop, { once: true })
  if (io.signal.aborted) stop()
  const name = (address: SocketAddress): string => formatHostPort(address.address, address.port)
  const endpoint = guardEndpoint(
    opened,
    access,
    refusedOnce((who) => screen.status(`*** [${name(who)}] refused by --allow/--deny`)),
  )
  const local =
    endpoint.localAddress === undefined ? 'an address the OS picks' : formatAddress(endpoint.localAddress)
  screen.status(
    peer === undefined
      ? `*** listening on ${local} (${options.transport}); ${QUIT_COMMAND} to leave`
      : `*** chatting with ${formatAddress(peer)} over ${options.transport} from ${local}; ${QUIT_COMMAND} to leave`,
  )

  let failure: Error | undefined
  let closing = false
  const text = new IncomingText(encoding, { streaming: false })
  // --json: who came (a TCP connection, or a UDP peer's first line), what they said, who went.
  const heard = new Set<string>()
  const report = (line: string): void => {
    if (options.json) screen.show(line)
  }
  const receiving = (async () => {
    try {
      for await (const event of endpointEvents(endpoint)) {
        if (event.kind === 'message') {
          const { from } = event.message
          const line = text.decode(from, event.message.payload)
          if (isUdp && !heard.has(name(from))) {
            heard.add(name(from))
            report(chatEventLine('join', from))
          }
          if (options.json) report(chatEventLine('message', from, { text: line.replace(/\r?\n$/, '') }))
          else screen.show(`>>> [${name(from)}] ${showPeerText(line, options)}`)
        } else if (isUdp) {
          // An ICMP "port unreachable" came back: say so; the peer may start later.
          if (event.kind === 'disconnect' && event.error !== undefined) {
            screen.status(`*** ${event.error.message} (nothing listens there yet?)`)
          }
        } else if (event.kind === 'connect') {
          report(chatEventLine('join', event.peer))
          if (listening) screen.status(`*** [${name(event.peer)}] connected`)
        } else if (event.kind === 'end') {
          // The peer will send nothing more: close our side too.
          if (listening) closePeer(endpoint, event.peer)
          else break
        } else {
          const why = event.error === undefined ? '' : `: ${event.error.message}`
          if (listening)
            report(chatEventLine('leave', event.peer, event.error ? { reason: event.error.message } : {}))
          if (listening) screen.status(`*** [${name(event.peer)}] disconnected${why}`)
          else if (event.error !== undefined) failure = event.error
        }
      }
    } catch (error) {
      failure = error instanceof Error ? error : new Error(String(error))
    }
    // A TCP client's connection ended: the server closed it (or it failed), so the chat is over.
    if (!isUdp && !listening && !closing) {
      report(chatEventLine('leave', peer, { reason: failure?.message ?? 'closed the connection' }))
      screen.status(`*** ${formatAddress(peer)} closed the connection`)
      screen.close()
    }
  })()

  try {
    for await (const line of screen) {
      if (line === QUIT_COMMAND) break
      if (line === '') continue
      const payload = encodeChatLine(line, options.name, encoding, (lossy) =>
        screen.status(`*** ${encoding} cannot represent all of '${lossy}'; sent with substitutes`),
      )
      const recipients = listening ? endpoint.peers : [undefined]
      if (recipients.length === 0) {
        screen.status('*** nobody to send to yet: no peer has connected or written')
        continue
      }
      for (const to of recipients) {
        await endpoint.send(payload, to).catch((error: Error) => {
          screen.status(`*** could not send${to === undefined ? '' : ` to [${name(to)}]`}: ${error.message}`)
        })
      }
    }
  } finally {
    closing = true
    screen.close()
    io.signal.removeEventListener('abort', stop)
    // Every send above has resolved, so its bytes are in the kernel: closing now loses none.
    await endpoint.close()
    await receiving
    await capture?.stop()
  }
  if (failure !== undefined && !io.signal.aborted)
    throw new CliError(`chat ended: ${failure.message}`, { cause: failure })
}

/**
 * Where a UDP chat without `--bind` listens for replies, on a port the OS picks: loopback when the
 * peer is on this host (nothing else can reach it), else every interface of the peer's family.
 */
function defaultUdpHost(peerAddress: string): string {
  if (peerAddress === '::1') return '::1'
  if (peerAddress.startsWith('127.')) return '127.0.0.1'
  return peerAddress.includes(':') ? '::' : '0.0.0.0'
}
