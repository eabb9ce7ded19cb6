import {
  accessListOf,
  DEFAULT_MAX_FRAME_BYTES,
  type FramingName,
  formatHostPort,
  guardEndpoint,
  type Message,
  normalizeEncoding,
  type SocketAddress,
  unframeDatagram,
} from '@protolab/core'
import { closePeer, endpointEvents, IncomingText } from '@protolab/core/session'
import { type CliIO, writeAndDrain } from '../io.js'
import type { AccessFlags } from '../options/access.js'
import { formatAddress, ipVersionOf, parseLocalAddress } from '../options/address.js'
import { framingFor } from '../options/framing.js'
import { keepsBoundaries, type MessageTransportName } from '../options/transport.js'
import { refusedOnce } from '../session/access.js'
import { captureSession } from '../session/capture.js'
import { createTransport } from '../session/transport.js'
import { formatReceived, type ListenFormat } from './format.js'

/** What `protolab listen` was asked for. */
export interface ListenOptions extends ListenFormat, AccessFlags {
  readonly address: string
  readonly transport: MessageTransportName
  readonly encoding: string
  readonly framing?: FramingName
  readonly maxBytes?: number
  readonly count?: number
  readonly echo?: boolean
  readonly maxConnections?: number
  readonly idleTimeout?: number
  readonly ipv4?: boolean
  readonly ipv6?: boolean
  /** Record the session's packets into this pcap file. */
  readonly capture?: string
}

/**
 * Binds (UDP) or listens (TCP) on a local address and prints every message that arrives, with who
 * sent it, until `--count` messages, Ctrl-C or SIGTERM. Says where it listens on stderr (with the
 * port the OS chose for port 0) and, for TCP, who connects and disconnects.
 */
export async function runListen(options: ListenOptions, io: CliIO): Promise<void> {
  const encoding = normalizeEncoding(options.encoding)
  // Bytes leave as they came: over TCP no framing strips a line's end unless one is asked for.
  const framing = framingFor(
    options.framing ?? (options.output === 'bytes' ? 'raw' : undefined),
    options.transport,
  )
  const access = accessListOf(options)
  const peerName = (peer: SocketAddress): string => formatHostPort(peer.address, peer.port)
  const local = await parseLocalAddress(options.address, ipVersionOf(options))
  const transport = await createTransport(options.transport, {
    framing,
    ...(options.maxBytes === undefined ? {} : { maxMessageBytes: options.maxBytes }),
    ...(options.maxConnections === undefined ? {} : { maxConnections: options.maxConnections }),
    ...(options.idleTimeout === undefined ? {} : { idleTimeoutMs: options.idleTimeout * 1000 }),
  })
  const refused = refusedOnce((peer) => io.stderr.write(`[${peerName(peer)}] refused by --allow/--deny\n`))
  const endpoint = guardEndpoint(
    await transport.open({ bind: local, listen: true, signal: io.signal }),
    access,
    refused,
  )
  const capture = await captureSession(options.capture, [endpoint.localAddress], io).catch(
    async (error: unknown) => {
      await endpoint.close()
      throw error
    },
  )
  const onAbort = (): void => {
    void endpoint.close()
  }
  io.signal.addEventListener('abort', onAbort, { once: true })
  if (io.signal.aborted) onAbort()
  // UDP and KCP carry messages (framed inside each); TCP and KCP have sessions that come and go.
  const isUdp = keepsBoundaries(options.transport)
  const hasSessions = options.transport !== 'udp'
  const text = new IncomingText(encoding, { streaming: !isUdp && framing === 'raw' })
  io.stderr.write(
    `listening on ${formatAddress(endpoint.localAddress ?? { address: local.host, port: local.port })} (${options.transport})\n`,
  )

  let received = 0
  try {
    for await (const event of endpointEvents(endpoint)) {
      if (event.kind === 'connect') {
        if (hasSessions) io.stderr.write(`[${peerName(event.peer)}] connected\n`)
      } else if (event.kind === 'end') {
        // The peer has sent all it will (and had its echoes): close our side too, as nc -N expects.
        closePeer(endpoint, event.peer)
      } else if (event.kind === 'disconnect') {
        text.forget(event.peer)
        const why = event.error === undefined ? '' : `: ${event.error.message}`
        io.stderr.write(`[${peerName(event.peer)}] ${hasSessions ? 'disconnected' : 'unreachable'}${why}\n`)
      } else {
        const { message } = event
        for (const payload of messagesIn(message, framing, isUdp, options.maxBytes, io)) {
          await writeAndDrain(
            io.stdout,
            formatReceived(
              {
                from: message.from,
                payload,
                text: options.output === 'bytes' ? '' : text.decode(message.from, payload),
                truncated: message.truncated,
                maxBytes: options.maxBytes,
                time: new Date(),
              },
              options,
            ),
          )
          if (options.echo) {
            // Over UDP the datagram goes back as it came (framing and all); TCP frames it again.
            await endpoint.send(isUdp ? message.payload : payload, message.from).catch((error: Error) => {
              io.stderr.write(`[${peerName(message.from)}] echo failed: ${error.message}\n`)
            })
          }
          received++
          if (options.count !== undefined && received >= options.count) return
        }
      }
    }
  } finally {
    io.signal.removeEventListener('abort', onAbort)
    await endpoint.close()
    await capture?.stop()
  }
}

/** The messages a received message holds: a TCP frame is one; a UDP datagram or KCP message holds one or, framed, several. */
function messagesIn(
  message: Message,
  framing: FramingName,
  isUdp: boolean,
  maxBytes: number | undefined,
  io: CliIO,
): Uint8Array[] {
  if (!isUdp) return [message.payload]
  try {
    return unframeDatagram(framing, message.payload, maxBytes ?? DEFAULT_MAX_FRAME_BYTES)
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error)
    io.stderr.write(
      `[${formatHostPort(message.from.address, message.from.port)}] datagram dropped: ${reason}\n`,
    )
    return []
  }
}
