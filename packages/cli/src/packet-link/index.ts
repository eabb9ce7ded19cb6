export { PacketLinkError } from './errors.js'
export { type FrameCounts, FrameRelay, type FrameRelayInit, type PacketLinkDirection } from './frame-relay.js'
export { corruptionOffset, isTcpPort, transportOffset } from './frames.js'
export { runPacketLinkHost } from './host.js'
export {
  type NamespaceCounters,
  parseNetDev,
  parseSnmp,
  readNamespaceCounters,
  sumUdpDrops,
} from './kernel-counters.js'
export { type HostPlan, type PacketLinkCounts, RECEIVER_ADDRESS, SENDER_ADDRESS } from './protocol.js'
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
