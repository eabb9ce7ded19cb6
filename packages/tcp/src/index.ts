export { DEFAULT_HIGH_WATER_MARK_BYTES, DEFAULT_LISTEN_HOST, TCP_SEMANTICS } from './constants.js'
export type { TcpInit } from './options.js'
export { tcp } from './transport.js'
export type { TcpEndpoint, TcpTransport } from './types.js'
