import { accessListOf, formatHostPort, guardEndpoint, normalizeEncoding } from '@protolab/core'
import { type ChatRoomEvent, runChatRoom } from '@protolab/core/session'
import { type CliIO, writeAndDrain } from '../io.js'
import { formatAddress, ipVersionOf, parseLocalAddress } from '../options/address.js'
import { showPeerText } from '../output/peer-text.js'
import { refusedOnce } from '../session/access.js'
import { captureSession } from '../session/capture.js'
import { createTransport } from '../session/transport.js'
import { chatEventLine } from './json-events.js'
import type { ChatOptions } from './options.js'

/**
 * `protolab chat --room`: core's chat room on the flags' address, printing what is said and who
 * comes and goes (as text, or JSON lines with `--json`) on stdout, and who was turned away on stderr.
 */
export async function runChatRoomCommand(options: ChatOptions, io: CliIO): Promise<void> {
  const access = accessListOf(options)
  const local = await parseLocalAddress(options.room ?? '', ipVersionOf(options))
  const transport = await createTransport(options.transport, {
    framing: 'line',
    maxConnections: options.maxConnections,
    idleTimeoutMs: options.idleTimeout * 1000,
  })
  const opened = await transport.open({ bind: local, listen: true, signal: io.signal })
  const capture = await captureSession(options.capture, [opened.localAddress], io).catch(
    async (error: unknown) => {
      await opened.close()
      throw error
    },
  )
  const where = formatAddress(opened.localAddress ?? { address: local.host, port: local.port })
  io.stderr.write(
    `*** room open on ${where} (${options.transport}); join with: protolab chat -t ${options.transport} --peer ${where} --name <you>\n`,
  )
  const refused = refusedOnce((peer) => {
    io.stderr.write(`*** [${formatHostPort(peer.address, peer.port)}] refused by --allow/--deny\n`)
  })
  try {
    await runChatRoom(guardEndpoint(opened, access, refused), {
      encoding: normalizeEncoding(options.encoding),
      maxMembers: options.maxConnections,
      memberTimeoutMs: options.memberTimeout * 1000,
      signal: io.signal,
      // A slow stdout (a pipe, a terminal) slows the room's reading, and TCP then slows the members,
      // instead of the room buffering what it prints without bound.
      onEvent: (event) => printRoomEvent(event, options, io),
    })
  } finally {
    await capture?.stop()
  }
}

function printRoomEvent(event: ChatRoomEvent, options: ChatOptions, io: CliIO): Promise<void> | undefined {
  if (event.kind === 'full') {
    const key = formatHostPort(event.peer.address, event.peer.port)
    io.stderr.write(`*** [${key}] turned away: the room is full (${options.maxConnections} members)\n`)
    return undefined
  }
  if (event.kind === 'relay-failed') {
    io.stderr.write(`*** [${event.member.key}] could not relay: ${event.error.message}\n`)
    return undefined
  }
  const { member } = event
  const name = member.name === undefined ? {} : { name: member.name }
  if (event.kind === 'message') {
    return writeAndDrain(
      io.stdout,
      options.json
        ? `${chatEventLine('message', member.address, { ...name, text: event.text })}\n`
        : `[${member.key}] ${showPeerText(event.line, options)}\n`,
    )
  }
  if (!options.json) return writeAndDrain(io.stdout, `${showPeerText(event.line, options)}\n`)
  // A member that gave its name is news for the room's members, not for a program reading events.
  if (event.change === undefined) return undefined
  const reason = event.reason === undefined ? {} : { reason: event.reason }
  return writeAndDrain(io.stdout, `${chatEventLine(event.change, member.address, { ...name, ...reason })}\n`)
}
