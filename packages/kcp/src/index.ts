export {
  type ArqConfig,
  type ArqCounters,
  ControlBlock,
  DEAD_LINK_TRANSMISSIONS,
  MAX_FRAGMENTS,
  PROBE_INITIAL_MS,
  PROBE_LIMIT_MS,
} from './arq/control-block.js'
export {
  DEFAULT_CLOSE_TIMEOUT_MS,
  DEFAULT_IDLE_TIMEOUT_MS,
  DEFAULT_MAX_CONNECTIONS,
  DEFAULT_MTU,
  DEFAULT_RCVWND,
  DEFAULT_SNDWND,
  KCP_SEMANTICS,
  KCP_STREAM_SEMANTICS,
  MAX_MTU,
} from './constants.js'
export type { KcpEndpoint, KcpStats } from './endpoint.js'
export type { KcpConfig, KcpInit } from './options.js'
export { DEFAULT_PRESET, type KcpPreset, type NoDelayKnobs, PRESETS } from './presets.js'
export { type KcpTransport, kcp } from './transport.js'
export {
  Command,
  type CommandCode,
  decodeSegments,
  encodeSegment,
  encodeSegments,
  SEGMENT_HEADER_BYTES,
  type Segment,
  segmentLength,
} from './wire/segment.js'
