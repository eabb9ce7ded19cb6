import type {
  DatagramImpairment,
  LabInterval,
  LabMetrics,
  LatencyPercentilesMs,
  LostBy,
  StreamImpairment,
} from '@protolab/core'
import type { PacketLinkCounts } from '../links/packet/counts.js'
import type { RelayReport } from '../links/relay/relay.js'

import type { LabTransportName } from './transport-name.js'

export type { LabTransportName }

/** `oneway`: the receiver measures what arrives; `rtt`: the receiver echoes and the sender measures round trips. */
export type LabMode = 'oneway' | 'rtt'

/**
 * How a run's messages travelled: `proxy`, on this host's loopback (through the seeded relay when
 * impaired; `protolab lab`, the default); `kernel`, between two network namespaces
 * (`--link kernel`); `packet`, between two network namespaces whose Ethernet frames cross the
 * seeded impairer (`--link packet`); `remote`, between `lab run` and a `lab serve` on another host.
 */
export type LabLink = 'proxy' | 'kernel' | 'packet' | 'remote'

/** Which way a kernel or remote run went: `forward`, from `lab run` to `lab serve`; `reverse`, back. */
export type LabDirection = 'forward' | 'reverse'

/** Latency percentiles in milliseconds (one-way, or round trip in `rtt` mode). */
export type LabLatencyMs = LatencyPercentilesMs

/**
 * The impairment asked for, in one object for both transports, with the fields of core's
 * {@link DatagramImpairment} and {@link StreamImpairment}: probabilities 0..1, times in ms, rates
 * in bytes/s. Each run gets the part its transport can have (see `impairmentFor`).
 */
export interface LabImpairment
  extends Pick<
      DatagramImpairment,
      | 'lossModel'
      | 'lossBurst'
      | 'duplicate'
      | 'reorder'
      | 'reorderGap'
      | 'delayMs'
      | 'jitterMs'
      | 'rateLimitBytesPerSec'
      | 'queuePackets'
      | 'corrupt'
    >,
    Pick<
      StreamImpairment,
      | 'sliceBytes'
      | 'stallMs'
      | 'stallEveryBytes'
      | 'stallProbability'
      | 'resetAfterBytes'
      | 'resetProbability'
      | 'rtoMs'
    > {
  /** UDP: datagram loss. TCP: modelled as Linux TCP's recovery of each lost segment (RACK, tail-loss probe, RTO), holding the bytes after it. */
  readonly loss?: number
}

/**
 * One run of the lab over one transport: exactly the fields of `--json` (documented in the cli
 * README, "lab JSON"): the counts and measurements of core's {@link LabMetrics}, and how the run
 * was made. Per-message data lives apart, in {@link LabTrace}.
 */
export interface LabRun extends LabMetrics {
  readonly transport: LabTransportName
  readonly mode: LabMode
  /**
   * Where each lost message went; the values add up to `lost`. Absent only on runs from an older
   * protolab (a remote peer, a results file).
   */
  readonly lostBy?: LostBy
  /**
   * The relay's impairment for this transport, as core's DatagramImpairment (udp, kcp) or
   * StreamImpairment (tcp); on the kernel link, what the kernel did, in DatagramImpairment's
   * fields for both transports; null with none.
   */
  readonly impairment: DatagramImpairment | StreamImpairment | null
  readonly seed: number
  /** How the messages travelled; set on every run runLab, `lab run` and the kernel link make. */
  readonly link?: LabLink
  /** Kernel and remote runs: which way the messages went. */
  readonly direction?: LabDirection
  /**
   * Retransmissions of the sender: KCP's own count (its ARQ, in user space); TCP over the kernel
   * link or between hosts, segments the kernel retransmitted (`ss -ti`); absent when unknown.
   */
  readonly retransmits?: number
  /**
   * Bytes the sender put on the wire, without IP, UDP or TCP headers: UDP, every datagram sent
   * (envelope and payload); KCP, its datagrams (segment headers, retransmissions and ACKs included);
   * TCP over the kernel link or between hosts, `bytes_sent` of `ss -ti` (retransmissions included).
   * Absent when unknown (TCP through the relay, whose retransmissions are modelled).
   */
  readonly wireBytes?: number
  /** `wireBytes` over the payload bytes of the messages sent (`sent` × `size`): 1.5 = half as much again on the wire. */
  readonly wireOverhead?: number
  /**
   * TCP through the relay: what the relay did that holds a stream up: segments its model lost
   * (each held everything behind it for one RTO) and stalls it made (`--stall`).
   */
  readonly tcpRelay?: { readonly lostSegments: number; readonly stalls: number }
  /** TCP over the kernel link or between hosts: the sender's smoothed round-trip time, in ms. */
  readonly rttMs?: number
  /** TCP over the kernel link or between hosts: the sender's congestion window at the end, in segments. */
  readonly cwnd?: number
  /** Blast mode (no impairment, `--rate 0`): the receive buffer the receiver's socket had, in bytes. */
  readonly recvBufferBytes?: number
  /** Packet link runs: what the link did to the frames, and what it lost itself. */
  readonly packetLink?: PacketLinkCounts
  /** Set when part of the run is modelled rather than measured (TCP under the relay's `--loss`; one-way latency across hosts). */
  readonly modelled?: string
  /** Set when the run ended before everything was sent: why (the relay reset the TCP connection). */
  readonly interrupted?: string
  /** With `--interval`: the run cut into intervals, as printed while it went (iperf3's `-i`). */
  readonly intervals?: readonly LabInterval[]
}

/**
 * What happened to each message of a run, indexed by sequence number, in typed arrays so a
 * 1,000,000-message run stays small. Times are milliseconds since the run's first send.
 */
export interface LabTrace {
  readonly transport: LabTransportName
  /** Messages sent (the arrays' length). */
  readonly count: number
  /** When each message was sent. */
  readonly sentAtMs: Float64Array
  /** When each message first arrived (echo arrival in `rtt` mode); NaN when it never did. */
  readonly arrivedAtMs: Float64Array
  /** Intact copies that arrived (0 = lost, 2+ = duplicated), saturating at 255. */
  readonly copies: Uint8Array
  /** 1 when the message arrived after one with a higher sequence number. */
  readonly reordered: Uint8Array
}

/** The result of {@link runLab}: one run per transport, and per-message traces when asked for. */
export interface LabReport {
  readonly runs: readonly LabRun[]
  /** One per run, same order, when `trace: true`; never part of the JSON. */
  readonly traces: readonly LabTrace[]
  /** Per run, what the relay did (UdpProxyStats or TcpProxyStats), undefined without a relay; not part of the JSON. */
  readonly relays?: readonly (RelayReport | undefined)[]
  /** Lines for under the table: which link ran and why (`link: 'auto'`), what the packet link did. */
  readonly notes?: readonly string[]
  /** Packet link with `capture`: the pcap files written, one per transport. */
  readonly captures?: readonly string[]
}

/** What {@link runLab} reports while it sends. */
export interface LabProgress {
  readonly transport: LabTransportName
  /** Messages sent so far. */
  readonly sent: number
  /** Messages the run will send at most (with `durationMs`, whichever comes first). */
  readonly total: number
  /** Milliseconds since the run started sending. */
  readonly elapsedMs: number
  /** Target duration of the run in ms when `durationMs` bounds it. */
  readonly durationMs: number | undefined
  readonly phase: 'sending' | 'draining' | 'done'
}
