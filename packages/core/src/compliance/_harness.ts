import { afterEach } from 'vitest'
import type { Endpoint, Message, OpenOptions, SocketAddress, Transport } from '../transport/types.js'

/** How long the suite waits for one message before it gives up on a reliable transport. */
export const MESSAGE_WAIT_MS = 5_000
/** How long an unreliable transport may stay silent before the suite decides nothing more is coming. */
export const QUIET_MS = 500

/** What every group of checks receives: the host under test and helpers that clean up after each test. */
export interface ComplianceContext {
  readonly host: string
  /** A fresh transport from the implementation's `create()`. */
  transport(): Promise<Transport>
  /** Opens an endpoint that is closed after the test. */
  open(transport: Transport, options?: OpenOptions): Promise<Endpoint>
  /** A receiver bound to `host` on an OS-chosen port, and a sender whose `peer` is that receiver. */
  pair(): Promise<{ transport: Transport; receiver: Endpoint; sender: Endpoint }>
  /** One reader per endpoint, so a wait that timed out does not lose the message it was waiting for. */
  reader(endpoint: Endpoint): Reader
}

/** Reads an endpoint one message at a time with a bound on each wait. */
export interface Reader {
  /** The next message, or `undefined` when the endpoint's loop ended or nothing came within `waitMs`. */
  next(waitMs?: number): Promise<Message | undefined>
  /** Up to `count` messages; stops early when the loop ends or nothing came within `waitMs`. */
  take(count: number, waitMs?: number): Promise<Message[]>
}

/** Builds the context for one host and registers the cleanup that closes every endpoint it opened. */
export function createContext(create: () => Transport | Promise<Transport>, host: string): ComplianceContext {
  const opened: Endpoint[] = []
  const readers = new Map<Endpoint, Reader>()

  afterEach(async () => {
    const closing = opened.splice(0).map((endpoint) => endpoint.close())
    readers.clear()
    await Promise.allSettled(closing)
  })

  const context: ComplianceContext = {
    host,
    transport: async () => create(),
    async open(transport, options) {
      const endpoint = await transport.open(options)
      opened.push(endpoint)
      return endpoint
    },
    async pair() {
      const transport = await context.transport()
      const receiver = await context.open(transport, { bind: { host, port: 0 }, listen: true })
      const port = receiver.localAddress?.port
      if (port === undefined) throw new Error('a bound receiver has no localAddress')
      const sender = await context.open(transport, { peer: { address: host, port } })
      return { transport, receiver, sender }
    },
    reader(endpoint) {
      let reader = readers.get(endpoint)
      if (reader === undefined) {
        reader = createReader(endpoint)
        readers.set(endpoint, reader)
      }
      return reader
    },
  }
  return context
}

function createReader(endpoint: Endpoint): Reader {
  const iterator = endpoint[Symbol.asyncIterator]()
  let pending: Promise<IteratorResult<Message>> | undefined
  let ended = false

  async function next(waitMs = MESSAGE_WAIT_MS): Promise<Message | undefined> {
    if (ended) return undefined
    pending ??= iterator.next()
    const result = await within(pending, waitMs)
    if (result === undefined) return undefined
    pending = undefined
    if (result.done === true) {
      ended = true
      return undefined
    }
    return result.value
  }

  async function take(count: number, waitMs = MESSAGE_WAIT_MS): Promise<Message[]> {
    const messages: Message[] = []
    while (messages.length < count) {
      const message = await next(waitMs)
      if (message === undefined) break
      messages.push(message)
    }
    return messages
  }

  return { next, take }
}

/** `promise`'s value, or `undefined` when it has not settled within `ms`. */
export async function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(resolve, ms, undefined)
  })
  try {
    return await Promise.race([promise, timeout])
  } finally {
    clearTimeout(timer)
  }
}

const SEQUENCE_DIGITS = 6
const TEXT_ENCODER = new TextEncoder()

/**
 * A test payload that says which message it is and can be checked byte by byte: `#000042:` then
 * `size` bytes derived from the sequence number. It avoids `\n` and `\r` so line framing carries it
 * whole, but uses bytes 0x80-0xff so a transport that treats payloads as text fails.
 */
export function payloadFor(sequence: number, size = 64): Uint8Array {
  const prefix = TEXT_ENCODER.encode(`#${String(sequence).padStart(SEQUENCE_DIGITS, '0')}:`)
  const payload = new Uint8Array(prefix.length + size)
  payload.set(prefix)
  for (let i = 0; i < size; i++)
    payload[prefix.length + i] = ALLOWED_BYTES[(sequence * 31 + i) % ALLOWED_BYTES.length] ?? 0
  return payload
}

/** The sequence number of a payload from {@link payloadFor}, or -1 when it is not one, or not intact. */
export function sequenceOf(payload: Uint8Array, size = 64): number {
  const text = new TextDecoder().decode(payload.subarray(0, SEQUENCE_DIGITS + 2))
  const match = /^#(\d{6}):$/.exec(text)
  if (match === null) return -1
  const sequence = Number(match[1])
  return sameBytes(payload, payloadFor(sequence, size)) ? sequence : -1
}

/** True when two byte arrays hold the same bytes. */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

/** Every byte value except `\n` (0x0a) and `\r` (0x0d), which line framing reserves. */
export const ALLOWED_BYTES: readonly number[] = Array.from({ length: 256 }, (_, i) => i).filter(
  (byte) => byte !== 0x0a && byte !== 0x0d,
)

/** The three fields of a socket address, so implementations may carry extra ones. */
export function pick(address: SocketAddress | undefined): SocketAddress | undefined {
  return address === undefined
    ? undefined
    : { address: address.address, port: address.port, family: address.family }
}

/** UTF-8 bytes of `value`. */
export function bytes(value: string): Uint8Array {
  return TEXT_ENCODER.encode(value)
}

/** `payload` decoded as UTF-8. */
export function text(payload: Uint8Array | undefined): string | undefined {
  return payload === undefined ? undefined : new TextDecoder().decode(payload)
}
