import type { FrameCounts, PacketLinkDirection, PortCounts } from './frame-relay.js'
import type { TcpWorkField } from './kernel-counters.js'

/** What the link did besides the run itself: the relay's counts and the link's own losses. */
export interface PacketLinkCounts {
  readonly direction: PacketLinkDirection
  /** Frames sender → receiver. */
  readonly forward: FrameCounts
  /** Frames receiver → sender (ACKs, echoes). */
  readonly backward: FrameCounts
  /** Sender → receiver, per port of the receiver (each flow has its own): what the impairment did. */
  readonly ports: readonly PortCounts[]
  /**
   * Frames the link itself lost, not the impairment: sent into a tunnel but never relayed, or
   * relayed but never delivered (a full socket buffer or backlog on the way). 0 on a working link.
   */
  readonly pathDrops: number
  /** Of the relay's sockets, datagrams a full receive buffer refused (`/proc/net/udp` drops). */
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
