import type { ProtolabError } from '../errors.js'
import { MessageQueue } from '../transport/message-queue.js'
import type { Endpoint, Message, SocketAddress } from '../transport/types.js'

/** What happens on an endpoint, in the order it happened. */
export type EndpointEvent =
  | { readonly kind: 'message'; readonly message: Message }
  /** A TCP peer connected. */
  | { readonly kind: 'connect'; readonly peer: SocketAddress }
  /** A TCP peer finished sending (half-close): nothing more will come from it. */
  | { readonly kind: 'end'; readonly peer: SocketAddress }
  /** A peer's connection ended (TCP), or an ICMP error came back for it (UDP); `error` says why. */
  | { readonly kind: 'disconnect'; readonly peer: SocketAddress; readonly error: ProtolabError | undefined }

/** Events read ahead of the consumer; past it, reading from the endpoint waits. */
const READ_AHEAD_EVENTS = 65_536
/** Bytes of messages read ahead of the consumer, so a few long lines bound memory as many short ones do. */
const READ_AHEAD_BYTES = 8 * 1024 * 1024

/**
 * Messages and lifecycle events of an endpoint as one ordered stream, so that a peer's last lines
 * come before the news that it left. Messages are read eagerly into a queue of our own, and `end`
 * and `disconnect` are queued a turn later (setImmediate), once every message that came before
 * them has been moved there. The stream ends when the endpoint closes.
 */
export function endpointEvents(endpoint: Endpoint): AsyncIterable<EndpointEvent> {
  let resume: (() => void) | undefined
  const events = new MessageQueue<EndpointEvent>({
    highWaterMark: READ_AHEAD_EVENTS,
    highWaterMarkBytes: READ_AHEAD_BYTES,
    sizeOf: (event) => (event.kind === 'message' ? event.message.payload.byteLength : 0),
    onResume: () => resume?.(),
  })
  // `end` belongs to TCP endpoints only; the base Endpoint's emitter does not know its name.
  const emitter = endpoint as unknown as {
    on(event: 'end', listener: (peer: SocketAddress) => void): void
  }
  endpoint.on('connect', (peer) => events.push({ kind: 'connect', peer }))
  emitter.on('end', (peer) => setImmediate(() => events.push({ kind: 'end', peer })))
  endpoint.on('disconnect', (peer, error) =>
    setImmediate(() => events.push({ kind: 'disconnect', peer, error })),
  )
  void (async () => {
    let failure: unknown
    try {
      for await (const message of endpoint) {
        if (!events.push({ kind: 'message', message })) {
          await new Promise<void>((resolve) => {
            resume = resolve
          })
        }
      }
    } catch (error) {
      failure = error
    }
    // After the events deferred by the endpoint's last callbacks.
    setImmediate(() => events.end(failure))
  })()
  return events
}
