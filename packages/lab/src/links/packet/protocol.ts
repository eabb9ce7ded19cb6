import type { DatagramImpairment } from '@protolab/core'
import type { LabTransportName } from '../../runner/transport-name.js'
import type { FrameCounts, PacketLinkDirection } from './frame-relay.js'
import type { TcpWorkField } from './kernel-counters.js'

/** The addresses of the two ends, inside their namespaces (a /24 that exists only there). */
export const SENDER_ADDRESS = '10.77.0.1'
export const RECEIVER_ADDRESS = '10.77.0.2'

/** One transport's workload across the packet link: the lab's options, checked and defaulted. */
export interface PacketWorkload {
  readonly transport: LabTransportName
  readonly count: number
  readonly size: number
  /** Messages per second; 0 = as fast as possible. */
  readonly rate: number
  readonly durationMs?: number
  readonly mode: 'oneway' | 'rtt'
  readonly recvBufferBytes?: number
  /** Keep per-message data (for a CSV log or an HTML report). */
  readonly trace: boolean
  /** `--interval`, ms: the run cut into intervals, each told as it closes. */
  readonly intervalMs?: number
}

/** What the lab process asks the link host to do: one JSON line on the host's stdin. */
export interface HostPlan {
  /** The Node.js executable, and the lab's packet link entry it runs the lab's roles with. */
  readonly node: string
  readonly entry: string
  readonly impairment: DatagramImpairment
  readonly seed: number
  readonly direction: PacketLinkDirection
  /** What the sender sends across the link. */
  readonly workload: PacketWorkload
  /** Where the sending role writes its report. */
  readonly resultsFile: string
  /** The lab's control port: its frames pass unimpaired. */
  readonly controlPort: number
  /** Root or rootless: as root the bridges' socket buffers may pass the kernel's maximum. */
  readonly mode: 'root' | 'rootless'
  /** Record the sender's packets into this pcap file (tcpdump in the sender's namespace). */
  readonly capture?: string
}

/** What the link did besides the run itself: the relay's counts and the link's own losses. */
export interface PacketLinkCounts {
  readonly direction: PacketLinkDirection
  /** Frames sender → receiver. */
  readonly forward: FrameCounts
  /** Frames receiver → sender (ACKs, echoes). */
  readonly backward: FrameCounts
  /**
   * Frames the link itself lost, not the impairment: sent into a veth but never relayed, or
   * relayed but never delivered (a full socket buffer or backlog on the way). 0 on a working link.
   */
  readonly pathDrops: number
  /** Of the link's sockets (bridges and relay), datagrams a full receive buffer refused (`/proc/net/udp` drops). */
  readonly socketDrops: number
  /** UDP datagrams the receiving kernel dropped for a bad checksum (corrupted frames), both ends. */
  readonly udpChecksumErrors: number
  /** TCP segments dropped for a bad checksum, both ends. */
  readonly tcpChecksumErrors: number
  /**
   * What the kernel's TCP did during the run, summed over both namespaces (`Tcp: RetransSegs`
   * and `TcpExt` counters): retransmissions, reordering detected, duplicates reported (D-SACK).
   */
  readonly tcpKernel: Readonly<Record<TcpWorkField, number>>
  /** UDP datagrams the lab's receiving socket had no room for (`RcvbufErrors` in the receiver's namespace). */
  readonly receiverBufferDrops: number
}

/** A line the link host writes on its stdout. */
export type HostMessage =
  | { readonly type: 'ready'; readonly description: string }
  | { readonly type: 'progress'; readonly line: string }
  | { readonly type: 'done'; readonly counts: PacketLinkCounts }
  | { readonly type: 'error'; readonly message: string }
