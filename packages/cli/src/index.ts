export { CliError, reportError, UsageError } from './errors.js'
export type { CliIO } from './io.js'
export {
  cleanupKernelLinks,
  type KernelLinkOptions,
  kernelLinkProblem,
  parseSsTcpInfo,
  type RunKernelLinkOptions,
  readTcpInfo,
  runKernelLink,
  type TcpConnectionInfo,
} from './kernel-link/index.js'
export * from './lab/index.js'
export {
  CONTROL_PROTOCOL,
  CONTROL_VERSION,
  DEFAULT_LAB_PORT,
  LabServer,
  type LabServerInit,
  type RemoteLabOptions,
  type RemoteLabReport,
  type RemoteLabRun,
  renderRemoteTable,
  runRemoteLab,
} from './lab-remote/index.js'
export { runCli } from './main.js'
