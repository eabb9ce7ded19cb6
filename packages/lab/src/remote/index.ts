import { renderTable } from '../report/table.js'

export { ControlChannel, type ControlLink } from './channel.js'
export {
  REMOTE_LINK_SHARING,
  type RemoteLabOptions,
  type RunRemoteLabOptions,
  runRemoteLab,
} from './client.js'
export { type ClockSync, estimateOffset } from './clock.js'
export { ControlProtocolError, RemoteLabRefusedError } from './errors.js'
export {
  CONTROL_PROTOCOL,
  CONTROL_VERSION,
  type ControlMessage,
  encodeControlMessage,
  type FlowDirection,
  parseControlMessage,
  type SessionRequest,
} from './protocol.js'
export {
  DEFAULT_IDLE_TIMEOUT_MS,
  DEFAULT_LAB_PORT,
  DEFAULT_MAX_CONNECTIONS,
  LabServer,
  type LabServerInit,
} from './server.js'
export { encodeDataHello, isDataHello, SessionEndpoint } from './session-endpoint.js'

/**
 * The table of a remote or kernel link run: the one table renderer every lab run uses.
 * @deprecated Use `renderTable`, which renders remote and kernel runs too.
 */
export const renderRemoteTable = renderTable
export { readResultsFile, writeResultsFile } from './results-file.js'
export type { RemoteLabReport, RemoteLabRun } from './types.js'
