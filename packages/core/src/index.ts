export * from './access/index.js'
export * from './address/index.js'
export * from './errors.js'
export * from './framing/index.js'
export * from './lab/index.js'
export * from './packet/index.js'
export * from './socket-table/index.js'
export * from './text/index.js'
export { monotonicMs, monotonicNs } from './transport/clock.js'
export { MessageQueue, type MessageQueueInit } from './transport/message-queue.js'
export { openWithin } from './transport/open-within.js'
export type {
  Destination,
  Endpoint,
  EndpointEvents,
  Message,
  OpenOptions,
  Semantics,
  SocketAddress,
  Transport,
} from './transport/types.js'
