export { findPacketLinkHosts, type PacketLinkHost, removePacketLinks } from './cleanup.js'
export type { PacketLinkCounts } from './counts.js'
export { PACKET_LINK_ENTRY_FILE, packetLinkEntry } from './entry-file.js'
export { type PacketFlowsOutcome, type RunPacketFlowsContext, runPacketFlows } from './flows.js'
export {
  type FrameCounts,
  FrameRelay,
  type FrameRelayInit,
  type PacketLinkDirection,
  type PortCounts,
  type TunnelEnd,
  VXLAN_HEADER_BYTES,
  VXLAN_PORT,
} from './frame-relay.js'
export { corruptionOffset, isTcpPort, transportOffset } from './frames.js'
export {
  type NamespaceCounters,
  parseNetDev,
  parseSnmp,
  parseSnmp6,
  readNamespaceCounters,
  sumUdpDrops,
} from './kernel-counters.js'
export { captureFile, packetImpairment, type RunPacketLabContext, runPacketLab } from './lab.js'
export { describePacketLinkCounts, packetLinkNotes } from './notes.js'
export {
  type HostPlan,
  type PacketWorkload,
  RECEIVER_ADDRESS,
  SENDER_ADDRESS,
} from './protocol.js'
export {
  type PacketLinkResult,
  type PacketLinkRunInit,
  type RunPacketLinkOptions,
  runPacketLink,
} from './run.js'
export {
  PACKET_LINK_TOOLS,
  type PacketLinkMode,
  type PacketLinkSupport,
  packetLinkSupport,
  unshareArgs,
} from './support.js'
