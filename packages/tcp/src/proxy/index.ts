export {
  DEFAULT_PROXY_CONNECT_TIMEOUT_MS,
  DEFAULT_PROXY_HIGH_WATER_MARK_BYTES,
  DEFAULT_PROXY_IDLE_TIMEOUT_MS,
  DEFAULT_PROXY_MAX_CONNECTIONS,
  type RelayDirection,
  type TcpProxyInit,
} from './options.js'
export type { StreamRelayCounts, TcpProxyStats } from './stats.js'
export { type TcpProxy, tcpProxy } from './tcp-proxy.js'
