export { nowNs } from '../transport/clock.js'
export {
  createEnvelopeBuffer,
  ENVELOPE_FLAG_ECHO,
  ENVELOPE_HEADER_BYTES,
  ENVELOPE_MAGIC,
  ENVELOPE_VERSION,
  type EnvelopeCorrupt,
  type EnvelopeFields,
  type EnvelopeForeign,
  type EnvelopeOk,
  type EnvelopeReadResult,
  randomSessionId,
  readEnvelope,
  writeEnvelope,
} from './envelope.js'
export * from './flows/index.js'
export * from './impairment/index.js'
export * from './metrics/index.js'
export { createRandom, type Random, randomSeed, xoshiro128StarStar } from './random.js'
export {
  type AcceptClient,
  checkedInteger,
  DEFAULT_RELAY_HOST,
  MAX_TIMER_MS,
  type RelayConfig,
  type RelayDirection,
  type RelayInit,
  relayConfig,
} from './relay-options.js'
