import {
  decodeText,
  type Endpoint,
  encodeText,
  escapeControlCharacters,
  formatHostPort,
  type Message,
  normalizeEncoding,
  type SocketAddress,
} from '@protolab/core'
import { type CliIO, writeAndDrain } from '../io.js'
import { formatAddress, ipVersionOf, parseLocalAddress } from '../options/address.js'
import { keepsBoundaries } from '../options/transport.js'
import { showPeerText } from '../output/peer-text.js'
import { createAccessFilter, guardEvents } from '../session/access.js'
import { captureSession } from '../session/capture.js'
import { closePeer } from '../session/close-peer.js'
import { type EndpointEvent, endpointEvents } from '../session/events.js'
import { createTransport } from '../session/transport.js'
import { type ChatEventFields, type ChatEventKind, chatEventLine } from './json-events.js'
import type { ChatOptions } from './options.js'

/** Relays a member may have in flight; past them, lines for it are dropped as it cannot keep up (TCP). */
const MAX_PENDING_RELAYS = 1024
/** Bytes of relays a member may have in flight, so that long lines bound memory as many short ones do. */
const MAX_PENDING_RELAY_BYTES = 4 * 1024 * 1024
/** A name a member gives with `--name`: sent as `name: text`, shown as `<name>`. */
const NAME_PREFIX = /^([^\s:<>]{1,32}): /

interface Member {
  readonly address: SocketAddress
  readonly key: string
  name: string | undefined
  /** Until its first message, a member may still give its name. */
  heard: boolean
  lastHeardMs: number
  pendingRelays: number
  pendingRelayBytes: number
}

/**
 * A chat room, as ncat's `--chat` broker but over UDP too: every member's line is relayed to all
 * the others as `<name> text` (the name a member gives with `--name`, else its address), and
 * joins and leaves are announced. Over TCP a member joins by connecting and leaves by closing;
 * over UDP it joins with its first datagram and leaves after `--member-timeout` seconds of silence.
 */
export async function runChatRoom(options: ChatOptions, io: CliIO): Promise<void> {
  const encoding = normalizeEncoding(options.encoding)
  const isUdp = keepsBoundaries(options.transport)
  const access = createAccessFilter(options)
  const local = await parseLocalAddress(options.room ?? '', ipVersionOf(options))
  const transport = await createTransport(options.transport, {
    framing: 'line',
    maxConnections: options.maxConnections,
    idleTimeoutMs: options.idleTimeout * 1000,
  })
  const endpoint = await transport.open({ bind: local, listen: true, signal: io.signal })
  const capture = await captureSession(options.capture, [endpoint.localAddress], io).catch(
    async (error: unknown) => {
      await endpoint.close()
      throw error
    },
  )
  const where = formatAddress(endpoint.localAddress ?? { address: local.host, port: local.port })
  io.stderr.write(
    `*** room open on ${where} (${options.transport}); join with: protolab chat -t ${options.transport} --peer ${where} --name <you>\n`,
  )
  const room = new Room(endpoint, encoding, options, io)
  const stop = (): void => {
    void endpoint.close()
  }
  io.signal.addEventListener('abort', stop, { once: true })
  if (io.signal.aborted) stop()
  const sweep = isUdp
    ? setInterval(() => room.dropSilentMembers(), Math.min(1000, (options.memberTimeout * 1000) / 2))
    : undefined
  try {
    const refused = (peer: SocketAddress): void => {
      io.stderr.write(`*** [${formatHostPort(peer.address, peer.port)}] refused by --allow/--deny\n`)
    }
    for await (const event of guardEvents(endpointEvents(endpoint), endpoint, access, refused)) {
      room.handle(event)
      // A slow stdout (a pipe, a terminal) slows the room's reading, and TCP then slows the members,
      // instead of the room buffering what it prints without bound.
      await room.outputDrained()
    }
  } finally {
    clearInterval(sweep)
    io.signal.removeEventListener('abort', stop)
    await endpoint.close()
    await capture?.stop()
  }
}

/** The members of a room and what is said to them. */
class Room {
  readonly #members = new Map<string, Member>()

  constructor(
    private readonly endpoint: Endpoint,
    private readonly encoding: string,
    private readonly options: ChatOptions,
    private readonly io: CliIO,
  ) {}

  handle(event: EndpointEvent): void {
    if (event.kind === 'message') this.#message(event.message)
    else if (keepsBoundaries(this.options.transport))
      return // UDP members come and go by their messages
    else if (event.kind === 'connect') this.#join(event.peer)
    else if (event.kind === 'end') closePeer(this.endpoint, event.peer)
    else this.#leave(event.peer, event.error?.message)
  }

  /** Resolves once stdout has room again (at once when it has). */
  async outputDrained(): Promise<void> {
    if (this.io.stdout.writableNeedDrain) await writeAndDrain(this.io.stdout, '')
  }

  /** UDP: members silent past `--member-timeout` have left. */
  dropSilentMembers(): void {
    const limitMs = this.options.memberTimeout * 1000
    const now = Date.now()
    for (const member of this.#members.values()) {
      if (now - member.lastHeardMs > limitMs) {
        this.#leave(member.address, `silent for more than ${this.options.memberTimeout} s`)
      }
    }
  }

  #join(peer: SocketAddress): Member | undefined {
    const key = formatHostPort(peer.address, peer.port)
    if (this.#members.size >= this.options.maxConnections) {
      this.io.stderr.write(
        `*** [${key}] turned away: the room is full (${this.options.maxConnections} members)\n`,
      )
      return undefined
    }
    const member: Member = {
      address: peer,
      key,
      name: undefined,
      heard: false,
      lastHeardMs: Date.now(),
      pendingRelays: 0,
      pendingRelayBytes: 0,
    }
    this.#members.set(key, member)
    // Over UDP a member joins with its first message, which may carry its name: announced then.
    if (!keepsBoundaries(this.options.transport)) this.#announce(`${key} joined`, member, 'join')
    return member
  }

  #leave(peer: SocketAddress, reason: string | undefined): void {
    const member = this.#members.get(formatHostPort(peer.address, peer.port))
    if (member === undefined) return
    this.#members.delete(member.key)
    this.#announce(
      `${tagOf(member)} left${reason === undefined ? '' : ` (${reason})`}`,
      member,
      'leave',
      reason === undefined ? {} : { reason },
    )
  }

  #message(message: Message): void {
    const key = formatHostPort(message.from.address, message.from.port)
    const member = this.#members.get(key) ?? this.#join(message.from)
    if (member === undefined) return
    member.lastHeardMs = Date.now()
    // Line endings a member sent (nc -u sends "hi\n") are not part of what it said.
    let text = decodeText(message.payload, this.encoding).replace(/[\r\n]+$/, '')
    if (!member.heard) {
      member.heard = true
      const named = NAME_PREFIX.exec(text)?.[1]
      if (named !== undefined) member.name = named
      if (keepsBoundaries(this.options.transport)) this.#announce(`${tagOf(member)} joined`, member, 'join')
      else if (named !== undefined) this.#announce(`${key} is ${named}`, member)
    }
    if (member.name !== undefined && text.startsWith(`${member.name}: `))
      text = text.slice(member.name.length + 2)
    // An empty datagram or line says "I am here" (it keeps a UDP member in the room) and is not relayed.
    if (text === '') return
    const line = `<${tagOf(member)}> ${text}`
    if (this.options.json)
      this.io.stdout.write(`${chatEventLine('message', member.address, { ...nameOf(member), text })}\n`)
    else this.io.stdout.write(`[${key}] ${showPeerText(line, this.options)}\n`)
    this.#relay(line, member)
  }

  /**
   * Tells every member but `about` (and the room's own output) that something happened; with
   * `--json` the output gets the `kind` of event instead, or nothing (a member that gave its name).
   */
  #announce(what: string, about: Member, kind?: ChatEventKind, fields: ChatEventFields = {}): void {
    const line = `*** ${what}`
    if (!this.options.json) this.io.stdout.write(`${showPeerText(line, this.options)}\n`)
    else if (kind !== undefined) {
      this.io.stdout.write(`${chatEventLine(kind, about.address, { ...nameOf(about), ...fields })}\n`)
    }
    this.#relay(line, about)
  }

  /**
   * Sends `line` to every member but `from`, with control characters made visible (as ncat's
   * `--chat` does): a member's name and text must not drive the other members' terminals.
   */
  #relay(line: string, from: Member): void {
    const payload = encodeText(escapeControlCharacters(line), this.encoding)
    for (const member of this.#members.values()) {
      if (member === from) continue
      if (member.pendingRelays >= MAX_PENDING_RELAYS) continue
      if (member.pendingRelayBytes >= MAX_PENDING_RELAY_BYTES) continue
      member.pendingRelays++
      member.pendingRelayBytes += payload.byteLength
      const settled = (): void => {
        member.pendingRelays--
        member.pendingRelayBytes -= payload.byteLength
      }
      this.endpoint.send(payload, member.address).then(settled, (error: Error) => {
        settled()
        this.io.stderr.write(`*** [${member.key}] could not relay: ${error.message}\n`)
      })
    }
  }
}

function nameOf(member: Member): { name?: string } {
  return member.name === undefined ? {} : { name: member.name }
}

function tagOf(member: Member): string {
  return member.name ?? member.key
}
