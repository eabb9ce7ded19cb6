import dgram, { type Socket } from 'node:dgram'
import { DatagramImpairer, type DatagramImpairment, DEFAULT_REORDER_MAX_HOLD_MS } from '@protolab/core'
import { DEFAULT_MAX_QUEUED_DATAGRAMS, DelayLine, HoldBudget, TimerHeap } from '@protolab/udp'
import {
  corruptionOffset,
  destinationPort,
  type FlowProtocol,
  flowProtocol,
  isNeighbourDiscovery,
  isTcpPort,
  transportOffset,
} from './frames.js'

/** Which ways the link impairs: `both` (the default), or `forward` only (sender → receiver). */
export type PacketLinkDirection = 'forward' | 'both'

/** What the relay did to the frames of one direction of the link, counted since {@link FrameRelay.arm}. */
export interface FrameCounts {
  /** Frames that reached the relay. */
  readonly frames: number
  /** Frames sent on, each copy of a duplicate counted. */
  readonly forwarded: number
  /** Frames the impairment dropped (`--loss`). */
  readonly lost: number
  /** Frames dropped because the rate limit's queue (`--rate-limit`), or all the relay may hold, was full. */
  readonly queueDrops: number
  /** Extra copies sent (`--dup`). */
  readonly duplicated: number
  /** Frames held back to be overtaken (`--reorder`). */
  readonly reordered: number
  /** Frames with a byte flipped in their transport header or payload (`--corrupt`). */
  readonly corrupted: number
  /** Frames passed untouched: not IP (ARP), IPv6 neighbour discovery and MLD, or the lab's control channel. */
  readonly unimpaired: number
  /** Bytes sent on, each copy counted. */
  readonly bytes: number
}

/**
 * What the impairment did to the frames sent to one port of the receiver, sender → receiver: one
 * flow's data packets, since every flow of a run has a data port of its own at the receiver.
 */
export interface PortCounts {
  readonly protocol: FlowProtocol
  /** The receiver's port the frames were sent to. */
  readonly port: number
  /** Frames that reached the relay, sent on, dropped by the impairment, dropped by the full queue. */
  readonly frames: number
  readonly forwarded: number
  readonly lost: number
  readonly queueDrops: number
}

/** One side of the link, where its namespace's VXLAN tunnel meets the relay. */
export interface TunnelEnd {
  /** The relay's address on this side: it binds it, and the tunnel sends its frames there. */
  readonly relayAddress: string
  /** The tunnel's own address, where the relay sends the frames from the other side. */
  readonly tunnelAddress: string
}

/** The IANA port of VXLAN: both tunnels send from it and listen on it. */
export const VXLAN_PORT = 4789
/** The VXLAN header in front of every frame (flags, network identifier). */
export const VXLAN_HEADER_BYTES = 8

/** Construction options of a {@link FrameRelay}. */
export interface FrameRelayInit {
  readonly impairment: DatagramImpairment
  readonly seed: number
  readonly direction: PacketLinkDirection
  /** The sender's side of the link: its tunnel sends its frames to the relay, and gets the replies. */
  readonly sender: TunnelEnd
  /** The receiver's side. */
  readonly receiver: TunnelEnd
  /** A TCP port whose frames pass unimpaired (the lab's control channel). */
  readonly exemptTcpPort?: number
  /** SO_RCVBUF and SO_SNDBUF of the relay's sockets, so bursts wait in a buffer instead of being dropped. */
  readonly socketBufferBytes?: number
}

class Counts implements FrameCounts {
  frames = 0
  forwarded = 0
  lost = 0
  queueDrops = 0
  duplicated = 0
  reordered = 0
  corrupted = 0
  unimpaired = 0
  bytes = 0
  snapshot(): FrameCounts {
    return { ...this }
  }
}

type PortTallyEntry = { -readonly [K in keyof PortCounts]: PortCounts[K] }

/** {@link PortCounts} by protocol and port, each made on its first frame. */
class PortTally {
  private readonly byKey = new Map<number, PortTallyEntry>()

  of(protocol: FlowProtocol, port: number): PortTallyEntry {
    const key = (protocol === 'tcp' ? 0x10000 : 0) + port
    let counts = this.byKey.get(key)
    if (counts === undefined) {
      counts = { protocol, port, frames: 0, forwarded: 0, lost: 0, queueDrops: 0 }
      this.byKey.set(key, counts)
    }
    return counts
  }

  snapshot(): PortCounts[] {
    return [...this.byKey.values()].map((counts) => ({ ...counts }))
  }
}

interface Path {
  readonly impairer: DatagramImpairer | undefined
  /** Where impaired datagrams (VXLAN header and all, sent on as they came) wait. */
  readonly line: DelayLine<Buffer>
  counts: Counts
  readonly socket: Socket
}

/**
 * The packet link's middle: Ethernet frames arrive in VXLAN datagrams from the tunnel of each
 * side's namespace (the kernel encapsulates them) and leave towards the other, through core's seeded
 * {@link DatagramImpairer}: loss (random or Gilbert), duplication, reordering, delay and jitter,
 * rate limit with a bounded queue, corruption. Each direction has its own decision stream
 * (stream 0 sender → receiver, 1 back), so a seed repeats the same decisions on the same frames.
 * Frames that are not IP pass untouched. Until {@link arm} is called nothing is impaired, so the
 * link can be checked end to end first.
 */
export class FrameRelay {
  private readonly toReceiver: Path
  private readonly toSender: Path
  private readonly senderSocket: Socket
  private readonly receiverSocket: Socket
  private readonly timers = new TimerHeap()
  /** Frames held or delayed, both ways: as many as the UDP proxy holds at most. */
  private readonly budget = new HoldBudget(DEFAULT_MAX_QUEUED_DATAGRAMS)
  private ports = new PortTally()
  private armed = false

  private constructor(private readonly init: FrameRelayInit) {
    this.senderSocket = dgram.createSocket('udp4')
    this.receiverSocket = dgram.createSocket('udp4')
    const impairer = (stream: number) =>
      new DatagramImpairer({ impairment: init.impairment, seed: init.seed, stream })
    this.toReceiver = this.path(impairer(0), this.receiverSocket)
    this.toSender = this.path(init.direction === 'both' ? impairer(1) : undefined, this.senderSocket)
    this.senderSocket.on('message', (frame) => this.relay(this.toReceiver, frame))
    this.receiverSocket.on('message', (frame) => this.relay(this.toSender, frame))
    this.senderSocket.on('error', () => {})
    this.receiverSocket.on('error', () => {})
  }

  /**
   * Binds a socket on each side's relay address, connected to that side's tunnel, and resolves
   * with the relay; it relays (unimpaired) from then on.
   */
  static async start(init: FrameRelayInit): Promise<FrameRelay> {
    const relay = new FrameRelay(init)
    await Promise.all([
      open(relay.senderSocket, init.sender, init.socketBufferBytes),
      open(relay.receiverSocket, init.receiver, init.socketBufferBytes),
    ])
    return relay
  }

  /** Starts impairing, with fresh counts: what went before (the link's own check) is not counted. */
  arm(): void {
    this.armed = true
    this.toReceiver.counts = new Counts()
    this.toSender.counts = new Counts()
    this.ports = new PortTally()
  }

  /** Frames sender → receiver, and back. */
  counts(): { readonly forward: FrameCounts; readonly backward: FrameCounts } {
    return { forward: this.toReceiver.counts.snapshot(), backward: this.toSender.counts.snapshot() }
  }

  /** Per port of the receiver, what the impairment did to the frames sent there, since {@link arm}. */
  portCounts(): readonly PortCounts[] {
    return this.ports.snapshot()
  }

  /** Resolves once no frame is held or delayed (at once when none is). */
  idle(): Promise<void> {
    return this.budget.idle()
  }

  /** Closes both sockets and drops what is still held or delayed. */
  async close(): Promise<void> {
    this.timers.clear()
    await Promise.all([closeSocket(this.senderSocket), closeSocket(this.receiverSocket)])
  }

  private relay(path: Path, datagram: Buffer): void {
    const counts = path.counts
    counts.frames++
    // A view: corrupting it corrupts the datagram that is sent on.
    const frame = datagram.subarray(VXLAN_HEADER_BYTES)
    const offset = isNeighbourDiscovery(frame) ? -1 : transportOffset(frame)
    if (
      !this.armed ||
      path.impairer === undefined ||
      offset < 0 ||
      (this.init.exemptTcpPort !== undefined && isTcpPort(frame, offset, this.init.exemptTcpPort))
    ) {
      if (path.impairer !== undefined || offset < 0) counts.unimpaired++
      this.send(path, datagram)
      return
    }
    const nowMs = performance.now()
    const decision = path.impairer.decide(frame.length, nowMs)
    const protocol = path === this.toReceiver ? flowProtocol(frame, offset) : undefined
    const port = protocol === undefined ? undefined : this.ports.of(protocol, destinationPort(frame, offset))
    if (port !== undefined) port.frames++
    if (decision.drop === 'loss') {
      counts.lost++
      if (port !== undefined) port.lost++
      return
    }
    if (decision.drop === 'queue') {
      counts.queueDrops++
      if (port !== undefined) port.queueDrops++
      return
    }
    if (decision.corruptAt >= 0) {
      frame[corruptionOffset(decision.corruptAt, frame.length, offset)]! ^= decision.corruptMask
      counts.corrupted++
    }
    counts.duplicated += decision.copies - 1
    const outcome = path.line.enter(datagram, decision, nowMs)
    if (outcome === 'full') {
      counts.queueDrops++
      if (port !== undefined) port.queueDrops++
      return
    }
    if (outcome === 'held') counts.reordered++
    if (port !== undefined) port.forwarded += decision.copies
  }

  /** One direction: `impairer` (none: frames pass untouched) in front of `socket`. */
  private path(impairer: DatagramImpairer | undefined, socket: Socket): Path {
    const path: Path = {
      impairer,
      counts: new Counts(),
      socket,
      line: new DelayLine({
        send: (datagram) => this.send(path, datagram),
        timers: this.timers,
        maxHoldMs: this.init.impairment.reorderMaxHoldMs ?? DEFAULT_REORDER_MAX_HOLD_MS,
        budget: this.budget,
      }),
    }
    return path
  }

  private send(path: Path, datagram: Buffer): void {
    path.socket.send(datagram)
    path.counts.forwarded++
    path.counts.bytes += datagram.length - VXLAN_HEADER_BYTES
  }
}

/**
 * Binds `socket` on the side's relay address and connects it to the side's tunnel. Connected, a
 * send needs no address, and only the tunnel's datagrams are received: the tunnels send from their
 * own port too (`srcport`), not from one picked per flow.
 */
function open(socket: Socket, end: TunnelEnd, bufferBytes: number | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once('error', reject)
    socket.bind({ port: VXLAN_PORT, address: end.relayAddress, exclusive: true }, () => {
      if (bufferBytes !== undefined) {
        try {
          socket.setRecvBufferSize(bufferBytes)
          socket.setSendBufferSize(bufferBytes)
        } catch {
          // Above the namespace's maximum: the default size is still a working link.
        }
      }
      socket.connect(VXLAN_PORT, end.tunnelAddress, () => {
        socket.off('error', reject)
        resolve()
      })
    })
  })
}

function closeSocket(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    try {
      socket.close(() => resolve())
    } catch {
      resolve()
    }
  })
}
