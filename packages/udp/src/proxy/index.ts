export {
  DelayLine,
  type DelayLineInit,
  type DelayLineOutcome,
  type Departure,
  HoldBudget,
} from './delay-line.js'
export {
  DEFAULT_IDLE_TIMEOUT_MS,
  DEFAULT_MAX_CLIENTS,
  DEFAULT_MAX_QUEUED_DATAGRAMS,
  type RelayDirection,
  type UdpProxyInit,
} from './options.js'
export type { DatagramRelayCounts, UdpProxyStats } from './stats.js'
export { TimerHeap } from './timer-heap.js'
export { type UdpProxy, udpProxy } from './udp-proxy.js'
