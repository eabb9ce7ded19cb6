/**
 * @packageDocumentation
 * The lab as a library: numbered messages over UDP and TCP through a seeded impairment link,
 * every one accounted for, and the reports (table, JSON, CSV, HTML) of what each transport did.
 *
 * ```ts
 * import { renderTable, runLab } from '@protolab/lab'
 *
 * const report = await runLab({ transport: 'both', count: 1000, loss: 0.05, seed: 7 })
 * process.stdout.write(renderTable(report.runs))
 * ```
 *
 * The two-host lab is `@protolab/lab/remote`; the reports alone are `@protolab/lab/report`.
 */
export { LabCapture } from './capture/lab-capture.js'
export { LAYER_LETTERS, LAYER_TITLES, type LayerStyle, layerStyle } from './capture/layer-style.js'
export { layeredHexDump } from './capture/layered-hex-dump.js'
export {
  buildLayersReport,
  fieldSize,
  type LayerOverhead,
  type LayersInput,
  type LayersReport,
  type Overhead,
  overheadOf,
} from './capture/packet-layers.js'
export { type PacketReport, type ReadReport, readCaptureReport } from './capture/read.js'
export { renderLayer, renderLayersReport } from './capture/render-layers.js'
export { renderReadReport } from './capture/render-read.js'
export { type Retransmission, type TcpSegment, type TcpStory, tellTcpStories } from './capture/tcp-story.js'
export {
  type Capture,
  type CaptureInit,
  type CaptureStats,
  droppedWarning,
  portFilter,
  startCapture,
} from './capture/tcpdump.js'
export { LabError, type LabErrorOptions, type LabErrorReason } from './errors.js'
export { type ChosenLink, chooseLink } from './links/choose-link.js'
export {
  type CleanupOptions,
  type CleanupResult,
  cleanupKernelLinks,
  describeKernelImpairment,
  type KernelImpairment,
  KernelLink,
  KernelLinkError,
  type KernelLinkInit,
  type KernelLinkOptions,
  kernelImpairmentOf,
  kernelLinkNotes,
  kernelLinkProblem,
  LINK_PREFIX,
  type LinkNames,
  type LossTool,
  linkNames,
  listNamespaces,
  type MachineFacts,
  parseSsTcpInfo,
  type RunKernelLinkOptions,
  readTcpInfo,
  runKernelLink,
  type TcpConnectionInfo,
  withSystemDirectories,
} from './links/kernel/index.js'
export * from './links/packet/index.js'
export { type ProxyInit, startProxy } from './links/relay/proxy.js'
export type { RelayReport } from './links/relay/relay.js'
export * from './report/index.js'
export type {
  LabFairness,
  LabFlowRun,
  LabFlowSharing,
  LabFlowsJson,
  LabFlowsRun,
} from './runner/flow-types.js'
export {
  type FlowsOutcome,
  type RunFlowsContext,
  type RunFlowsOptions,
  runFlows,
} from './runner/flows/run-flows.js'
export { RELAY_LINK_SHARING } from './runner/flows-result.js'
export type { IntervalListener } from './runner/intervals.js'
export {
  DEFAULT_COUNT,
  DEFAULT_SIZE,
  DURATION_COUNT_LIMIT,
  impairmentFor,
  type LabLinkChoice,
  type LabOptions,
  MAX_COUNT,
  MAX_SIZE,
} from './runner/options.js'
export { type RunLabOptions, runLab } from './runner/run.js'
export type { LabListening } from './runner/run-transport.js'
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
} from './runner/types.js'
export type {
  LabEndpoint,
  LabEndpointOptions,
  LabRelayInit,
  LabRelayProxy,
  LabTransport,
  LabWireCounts,
} from './transports/lab-transport.js'
export { labTransport, labTransportNames, labTransportsOf } from './transports/registry.js'
