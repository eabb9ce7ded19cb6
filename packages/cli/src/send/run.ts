import { decodeText, type FramingName, frameDatagram, normalizeEncoding } from '@protolab/core'
import { outgoingMessages } from '@protolab/core/session'
import { UsageError } from '../errors.js'
import { type CliIO, writeAndDrain } from '../io.js'
import { formatAddress, ipVersionOf, parseDestination, parseLocalAddress } from '../options/address.js'
import { framingFor } from '../options/framing.js'
import { keepsBoundaries, type MessageTransportName } from '../options/transport.js'
import { toJsonLine } from '../output/json-line.js'
import { createTransport } from '../session/transport.js'

/** What `protolab send` was asked for. */
export interface SendOptions {
  readonly destination: string
  readonly text: readonly string[]
  readonly transport: MessageTransportName
  readonly encoding: string
  readonly framing?: FramingName
  readonly bind?: string
  readonly broadcast?: boolean
  readonly ipv4?: boolean
  readonly ipv6?: boolean
  readonly verbose?: boolean
  /** Print each message sent as a JSON line: to, address, port, from, transport, bytes, text. */
  readonly json?: boolean
}

/**
 * Sends the text of the arguments, or standard input, to one peer: over UDP one datagram per
 * message, over TCP one connection carrying the messages in the chosen framing.
 */
export async function runSend(options: SendOptions, io: CliIO): Promise<void> {
  const version = ipVersionOf(options)
  const encoding = normalizeEncoding(options.encoding)
  const framing = framingFor(options.framing, options.transport)
  if (options.broadcast && options.transport !== 'udp') {
    throw new UsageError(
      `--broadcast is for UDP: a ${options.transport.toUpperCase()} connection has exactly one peer`,
      {
        hint: 'add -t udp',
      },
    )
  }
  const peer = await parseDestination(options.destination, version)
  const bind = options.bind === undefined ? undefined : await parseLocalAddress(options.bind, version)
  const transport = await createTransport(options.transport, {
    framing,
    broadcast: options.broadcast ?? false,
  })
  const endpoint = await transport.open({ peer, ...(bind === undefined ? {} : { bind }), signal: io.signal })
  let messages = 0
  let bytes = 0
  try {
    const source = outgoingMessages({
      text: options.text,
      stdin: io.stdin,
      framing,
      encoding,
      wholeInput: keepsBoundaries(options.transport),
      signal: io.signal,
      onLossyText: (text) =>
        io.stderr.write(`warning: ${encoding} cannot represent all of '${text}'; sent with substitutes\n`),
    })
    for await (const payload of source) {
      if (io.signal.aborted) break
      await endpoint.send(keepsBoundaries(options.transport) ? frameDatagram(framing, payload) : payload)
      messages++
      bytes += payload.length
      if (options.json) {
        const local = endpoint.localAddress
        await writeAndDrain(
          io.stdout,
          `${toJsonLine({
            to: formatAddress(peer),
            address: peer.address,
            port: peer.port,
            from: local === undefined ? null : formatAddress(local),
            transport: options.transport,
            bytes: payload.length,
            text: decodeText(payload, encoding),
          })}\n`,
        )
      }
    }
  } finally {
    await endpoint.close()
  }
  if (options.verbose) {
    const local = endpoint.localAddress
    const from = local === undefined ? 'nowhere (nothing was sent)' : formatAddress(local)
    io.stderr.write(
      `sent ${messages} message${messages === 1 ? '' : 's'} (${bytes} bytes) from ${from} to ${formatAddress(peer)} over ${options.transport}\n`,
    )
  }
}
