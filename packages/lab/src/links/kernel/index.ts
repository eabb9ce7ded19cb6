export { type CleanupOptions, type CleanupResult, cleanupKernelLinks, listNamespaces } from './cleanup.js'
export { KernelLinkError, withSystemDirectories } from './exec.js'
export {
  describeKernelImpairment,
  type KernelImpairment,
  kernelImpairmentOf,
  type NetemSettings,
} from './impairment.js'
export { KernelLink, type KernelLinkInit, type LossTool } from './link.js'
export { LINK_PREFIX, type LinkNames, linkNames, RECEIVER_ADDRESS, SENDER_ADDRESS } from './names.js'
export { hasNetem } from './netem.js'
export { iptablesLossCommands, netemArgs, nftLossScript, tbfArgs, tcCommands } from './rules.js'
export { type KernelLinkOptions, kernelLinkNotes, type RunKernelLinkOptions, runKernelLink } from './run.js'
export { kernelLinkProblem, type MachineFacts } from './support.js'
export { parseSsTcpInfo, readTcpInfo, type TcpConnectionInfo } from './tcp-info.js'
