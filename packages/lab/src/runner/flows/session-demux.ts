import { EventEmitter } from 'node:events'
import {
  type Destination,
  ENVELOPE_HEADER_BYTES,
  ENVELOPE_MAGIC,
  type EndpointEvents,
  type Message,
  MessageQueue,
  readEnvelope,
  type Semantics,
  type SocketAddress,
} from '@protolab/core'
import type { LabEndpoint } from '../roles/endpoints.js'

/** Byte offset of the session id in an envelope (see core's envelope layout). */
const SESSION_OFFSET = 12

/** What reached the shared endpoint but belonged to no flow. */
export interface UnclaimedCounts {
  /** Not a lab envelope, or a well-formed envelope of a session no flow has. */
  readonly foreign: number
  /** An envelope with the lab's magic whose CRC or length was wrong, so no flow could claim it. */
  readonly corrupted: number
}

/**
 * Splits one lab endpoint (a UDP socket, or a TCP listener with a connection per flow) into one
 * endpoint per session, so each flow's {@link MessageCounter} reads only its own messages while
 * the flows share the socket. A message goes to the flow whose session id its header carries; what
 * carries no known session is counted in {@link unclaimed} and read by no flow. Sending goes out
 * through the shared endpoint (echoes return to whoever sent).
 *
 * The shared endpoint is read at the pace of the slowest flow: when a flow's queue is full, reading
 * waits until that flow catches up, so TCP pushes back and a UDP socket's buffer fills (as one
 * reader would).
 */
export class SessionDemux {
  private readonly flows = new Map<number, FlowEndpoint>()
  private foreign = 0
  private corrupted = 0
  /** Resolves once the shared endpoint has ended and every flow's endpoint was ended. */
  readonly done: Promise<void>

  constructor(
    private readonly shared: LabEndpoint,
    sessions: readonly number[],
  ) {
    for (const session of sessions) this.flows.set(session, new FlowEndpoint(shared))
    this.done = this.pump()
  }

  /** The endpoint of one session's messages. */
  endpointFor(session: number): FlowEndpoint {
    const endpoint = this.flows.get(session)
    if (endpoint === undefined) throw new Error(`no flow has session ${session}`)
    return endpoint
  }

  get unclaimed(): UnclaimedCounts {
    return { foreign: this.foreign, corrupted: this.corrupted }
  }

  /** Closes the shared endpoint; every flow's endpoint ends once what was queued is read. */
  async close(): Promise<void> {
    await this.shared.close()
    await this.done
  }

  private async pump(): Promise<void> {
    let failure: unknown
    try {
      for await (const message of this.shared) {
        const flow = this.flowOf(message.payload)
        if (flow === undefined) continue
        if (!flow.push(message)) await flow.resumed()
      }
    } catch (error) {
      // A TCP peer reset the listener's connection: each flow ends with what it got, as one would.
      failure = error
    }
    for (const flow of this.flows.values()) flow.end(failure)
  }

  private flowOf(payload: Uint8Array): FlowEndpoint | undefined {
    const session = peekSession(payload)
    const flow = session === undefined ? undefined : this.flows.get(session)
    if (flow !== undefined) return flow
    // Tell a damaged envelope from another session's: a bad CRC (which covers the session id) is corrupt.
    const envelope = session === undefined ? undefined : readEnvelope(payload, session)
    if (envelope?.kind === 'corrupt') this.corrupted++
    else this.foreign++
    return undefined
  }
}

/** The session id of an envelope's header, or undefined when the bytes do not start like one. */
function peekSession(payload: Uint8Array): number | undefined {
  if (payload.length < ENVELOPE_HEADER_BYTES) return undefined
  for (let i = 0; i < ENVELOPE_MAGIC.length; i++) if (payload[i] !== ENVELOPE_MAGIC[i]) return undefined
  return new DataView(payload.buffer, payload.byteOffset, payload.byteLength).getUint32(SESSION_OFFSET)
}

/** Queued messages of one flow, at most, before the shared endpoint waits for it. */
const FLOW_QUEUE_MESSAGES = 4096

/**
 * One session's view of a shared endpoint: it yields that session's messages and sends through the
 * shared endpoint. Closing it ends only this view; the shared endpoint belongs to the
 * {@link SessionDemux}.
 */
export class FlowEndpoint extends EventEmitter<EndpointEvents> implements LabEndpoint {
  private readonly queue: MessageQueue<Message>
  private resume: (() => void) | undefined
  private ended = false

  constructor(private readonly shared: LabEndpoint) {
    super()
    this.queue = new MessageQueue<Message>({
      highWaterMark: FLOW_QUEUE_MESSAGES,
      onResume: () => {
        const resume = this.resume
        this.resume = undefined
        resume?.()
      },
    })
  }

  get semantics(): Semantics {
    return this.shared.semantics
  }

  get localAddress(): SocketAddress | undefined {
    return this.shared.localAddress
  }

  get remoteAddress(): SocketAddress | undefined {
    return this.shared.remoteAddress
  }

  get peers(): readonly SocketAddress[] {
    return this.shared.peers
  }

  get closed(): boolean {
    return this.ended || this.shared.closed
  }

  get recvBufferSize(): number | undefined {
    return this.shared.recvBufferSize
  }

  send(payload: Uint8Array, to?: Destination): Promise<void> {
    return this.shared.send(payload, to)
  }

  /** Ends this flow's view (what is queued is still read); the shared endpoint stays open. */
  async close(): Promise<void> {
    this.end()
  }

  [Symbol.asyncIterator](): AsyncIterator<Message> {
    return this.queue[Symbol.asyncIterator]()
  }

  /** Queues a message of this flow; false when the queue is full and the pump should wait. */
  push(message: Message): boolean {
    return this.queue.push(message) || this.ended
  }

  /** Resolves once the queue has room again (or the view has ended). */
  resumed(): Promise<void> {
    if (this.ended) return Promise.resolve()
    return new Promise((resolve) => {
      this.resume = resolve
    })
  }

  end(error?: unknown): void {
    if (this.ended) return
    this.ended = true
    this.queue.end(error)
    const resume = this.resume
    this.resume = undefined
    resume?.()
  }
}
