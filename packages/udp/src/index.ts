export {
  DEFAULT_MAX_MESSAGE_BYTES,
  DEFAULT_MAX_QUEUED_MESSAGES,
  MAX_TRACKED_PEERS,
  MAX_UDP_PAYLOAD_IPV4,
  MAX_UDP_PAYLOAD_IPV6,
  UDP_SEMANTICS,
} from './constants.js'
export type { UdpEndpoint } from './endpoint.js'
export type { UdpInit, UdpSocketType } from './options.js'
export * from './proxy/index.js'
export {
  type BindDatagramInit,
  bindDatagramSocket,
  canBindDatagram,
  closeDatagramSocket,
  socketAddressOf,
} from './socket.js'
export { type UdpTransport, udp } from './transport.js'
