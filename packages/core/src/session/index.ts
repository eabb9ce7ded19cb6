/**
 * @packageDocumentation
 * Sessions over any `Endpoint`: what a program that talks to peers does with an open
 * endpoint, socket-free, so it runs over UDP, TCP, KCP or the in-memory transport alike. The
 * `protolab` command's `nc`, `chat`, `listen` and `send` are these plus flags and printing.
 *
 * ```ts
 * import { udp } from '@protolab/udp'
 * import { runChatRoom } from '@protolab/core/session'
 *
 * const endpoint = await udp().open({ bind: { host: '127.0.0.1', port: 7000 } })
 * await runChatRoom(endpoint, {
 *   encoding: 'utf-8',
 *   maxMembers: 100,
 *   memberTimeoutMs: 60_000,
 *   onEvent: (event) => {
 *     if (event.kind === 'message') console.log(event.line)
 *   },
 * })
 * ```
 */

export {
  type ChatMember,
  type ChatRoomEvent,
  type ChatRoomInit,
  encodeChatLine,
  runChatRoom,
} from './chat-room.js'
export { closePeer } from './close-peer.js'
export { type EndpointEvent, endpointEvents } from './endpoint-events.js'
export { IncomingText } from './incoming-text.js'
export { type OutgoingSource, outgoingMessages } from './outgoing-messages.js'
export { runTwoWay, type TwoWayInit, type TwoWayPeerEvent } from './two-way.js'
