export * from '../report/index.js'
export {
  DEFAULT_COUNT,
  DEFAULT_SIZE,
  DURATION_COUNT_LIMIT,
  impairmentFor,
  type LabOptions,
  MAX_COUNT,
  MAX_SIZE,
} from './options.js'
export type { RelayReport } from './roles/relay.js'
export { type RunLabOptions, runLab } from './run.js'
export type { LabListening } from './run-transport.js'
export type {
  LabDirection,
  LabImpairment,
  LabLatencyMs,
  LabLink,
  LabMode,
  LabProgress,
  LabReport,
  LabRun,
  LabTrace,
  LabTransportName,
} from './types.js'
