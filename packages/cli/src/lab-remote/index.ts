export { ControlChannel, type ControlLink } from './channel.js'
export { type RemoteLabOptions, type RunRemoteLabOptions, runRemoteLab } from './client.js'
export { type ClockSync, estimateOffset } from './clock.js'
export { addRemoteLabCommands } from './commands.js'
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
export { renderRemoteTable } from './table.js'
export type { RemoteLabReport, RemoteLabRun } from './types.js'
