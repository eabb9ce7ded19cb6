import { formatHostPort } from '../address/index.js'
import { canEncode, decodeText, encodeText } from '../text/codec.js'
import { escapeControlCharacters } from '../text/escape.js'
import type { Endpoint, Message, SocketAddress } from '../transport/types.js'
import { closePeer } from './close-peer.js'
import { type EndpointEvent, endpointEvents } from './endpoint-events.js'

/** Relays a member may have in flight; past them, lines for it are dropped as it cannot keep up (TCP). */
const MAX_PENDING_RELAYS = 1024
/** Bytes of relays a member may have in flight, so that long lines bound memory as many short ones do. */
const MAX_PENDING_RELAY_BYTES = 4 * 1024 * 1024
/** A name a member gives: its first line is `name: text`, shown as `<name>`. */
const NAME_PREFIX = /^([^\s:<>]{1,32}): /
/** How often silent members are looked for, at most (the member timeout halved, when shorter). */
const SWEEP_INTERVAL_MS = 1000

/**
 * The bytes of a line a chat member sends: `name: text` when it has a name (how a room learns who
 * speaks, see {@link runChatRoom}), encoded for the wire; `onLossy` hears of text the encoding
 * cannot represent (it is sent with substitutes).
 */
export function encodeChatLine(
  line: string,
  name: string | undefined,
  encoding: string,
  onLossy?: (text: string) => void,
): Uint8Array {
  const text = name === undefined ? line : `${name}: ${line}`
  if (onLossy !== undefined && !canEncode(text, encoding)) onLossy(text)
  return encodeText(text, encoding)
}

/** A member of a chat room, as the room's events show it. */
export interface ChatMember {
  readonly address: SocketAddress
  /** `host:port`, as the room tells members apart. */
  readonly key: string
  /** The name it gave with its first line (`name: text`), if any. */
  readonly name: string | undefined
}

/** What happens in a chat room, in order. */
export type ChatRoomEvent =
  /** A member said `text`; `line` (`<name> text`) is what the other members were sent. */
  | { readonly kind: 'message'; readonly member: ChatMember; readonly text: string; readonly line: string }
  /**
   * A notice (`*** alice joined`) sent to every member but `member`, whom it is about: `change`
   * says whether it joined or left (`reason`: why); a notice without it tells a member's name.
   */
  | {
      readonly kind: 'notice'
      readonly member: ChatMember
      readonly line: string
      readonly change?: 'join' | 'leave'
      readonly reason?: string
    }
  /** A peer was turned away: the room already has `maxMembers`. */
  | { readonly kind: 'full'; readonly peer: SocketAddress }
  /** A line could not be relayed to `member`. */
  | { readonly kind: 'relay-failed'; readonly member: ChatMember; readonly error: Error }

/** How a chat room runs. */
export interface ChatRoomInit {
  /** The text encoding members write and are sent. */
  readonly encoding: string
  /** Members at once; one more is turned away. */
  readonly maxMembers: number
  /** Over a transport with message boundaries (UDP, KCP): a member silent this long has left. */
  readonly memberTimeoutMs: number
  /** Closes the room when aborted. */
  readonly signal?: AbortSignal
  /** Told of every event; the room reads on once a returned promise settles (a slow output slows the room). */
  readonly onEvent: (event: ChatRoomEvent) => void | Promise<void>
}

interface Member extends ChatMember {
  name: string | undefined
  /** Until its first message, a member may still give its name. */
  heard: boolean
  lastHeardMs: number
  pendingRelays: number
  pendingRelayBytes: number
}

/**
 * Runs a chat room on a listening endpoint, as ncat's `--chat` broker but over UDP too: every
 * member's line is relayed to all the others as `<name> text` (the name a member gives in its
 * first line, else its address), and joins and leaves are announced. Over a byte stream (TCP) a
 * member joins by connecting and leaves by closing; over a transport with message boundaries (UDP,
 * KCP) it joins with its first message and leaves after `memberTimeoutMs` of silence. Relayed text
 * has its control characters made visible, so no member can drive another's terminal. Resolves
 * when the endpoint closes (or `signal` aborts), and closes it.
 */
export async function runChatRoom(endpoint: Endpoint, init: ChatRoomInit): Promise<void> {
  const room = new Room(endpoint, init)
  const stop = (): void => {
    void endpoint.close()
  }
  init.signal?.addEventListener('abort', stop, { once: true })
  if (init.signal?.aborted) stop()
  const sweep = room.byMessages
    ? setInterval(() => room.dropSilentMembers(), Math.min(SWEEP_INTERVAL_MS, init.memberTimeoutMs / 2))
    : undefined
  try {
    for await (const event of endpointEvents(endpoint)) await room.handle(event)
  } finally {
    clearInterval(sweep)
    init.signal?.removeEventListener('abort', stop)
    await endpoint.close()
  }
}

/** The members of a room and what is said to them. */
class Room {
  readonly #members = new Map<string, Member>()
  /** Members come with their first message and go silent (UDP, KCP), rather than connect and close. */
  readonly byMessages: boolean
  /** What the events of one endpoint event returned, awaited before the next is read. */
  #told: Promise<void>[] = []

  constructor(
    private readonly endpoint: Endpoint,
    private readonly init: ChatRoomInit,
  ) {
    this.byMessages = endpoint.semantics.messageBoundaries
  }

  async handle(event: EndpointEvent): Promise<void> {
    if (event.kind === 'message') this.#message(event.message)
    else if (this.byMessages) return
    else if (event.kind === 'connect') this.#join(event.peer)
    else if (event.kind === 'end') closePeer(this.endpoint, event.peer)
    else this.#leave(event.peer, event.error?.message)
    const told = this.#told
    this.#told = []
    await Promise.all(told)
  }

  /** Members silent past `memberTimeoutMs` have left. */
  dropSilentMembers(): void {
    const now = Date.now()
    for (const member of this.#members.values()) {
      if (now - member.lastHeardMs > this.init.memberTimeoutMs) {
        this.#leave(member.address, `silent for more than ${this.init.memberTimeoutMs / 1000} s`)
      }
    }
  }

  #tell(event: ChatRoomEvent): void {
    const told = this.init.onEvent(event)
    if (told !== undefined) this.#told.push(told)
  }

  #join(peer: SocketAddress): Member | undefined {
    const key = formatHostPort(peer.address, peer.port)
    if (this.#members.size >= this.init.maxMembers) {
      this.#tell({ kind: 'full', peer })
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
    // Joining with its first message, a member may give its name in it: announced then.
    if (!this.byMessages) this.#announce(`${key} joined`, member, 'join')
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
      reason,
    )
  }

  #message(message: Message): void {
    const key = formatHostPort(message.from.address, message.from.port)
    const member = this.#members.get(key) ?? this.#join(message.from)
    if (member === undefined) return
    member.lastHeardMs = Date.now()
    // Line endings a member sent (nc -u sends "hi\n") are not part of what it said.
    let text = decodeText(message.payload, this.init.encoding).replace(/[\r\n]+$/, '')
    if (!member.heard) {
      member.heard = true
      const named = NAME_PREFIX.exec(text)?.[1]
      if (named !== undefined) member.name = named
      if (this.byMessages) this.#announce(`${tagOf(member)} joined`, member, 'join')
      else if (named !== undefined) this.#announce(`${key} is ${named}`, member)
    }
    if (member.name !== undefined && text.startsWith(`${member.name}: `))
      text = text.slice(member.name.length + 2)
    // An empty datagram or line says "I am here" (it keeps a UDP member in the room) and is not relayed.
    if (text === '') return
    const line = `<${tagOf(member)}> ${text}`
    this.#tell({ kind: 'message', member: viewOf(member), text, line })
    this.#relay(line, member)
  }

  /** Tells every member but `about` (and the room's listener) that something happened. */
  #announce(what: string, about: Member, change?: 'join' | 'leave', reason?: string): void {
    const line = `*** ${what}`
    this.#tell({
      kind: 'notice',
      member: viewOf(about),
      line,
      ...(change === undefined ? {} : { change }),
      ...(reason === undefined ? {} : { reason }),
    })
    this.#relay(line, about)
  }

  /**
   * Sends `line` to every member but `from`, with control characters made visible (as ncat's
   * `--chat` does): a member's name and text must not drive the other members' terminals.
   */
  #relay(line: string, from: Member): void {
    const payload = encodeText(escapeControlCharacters(line), this.init.encoding)
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
        this.#tell({ kind: 'relay-failed', member: viewOf(member), error })
      })
    }
  }
}

/** What the room's listener sees of a member: a snapshot, not the room's own record. */
function viewOf(member: Member): ChatMember {
  return { address: member.address, key: member.key, name: member.name }
}

function tagOf(member: Member): string {
  return member.name ?? member.key
}
