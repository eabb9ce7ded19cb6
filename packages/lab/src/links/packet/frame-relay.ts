import dgram, { type Socket } from 'node:dgram'
import {
  DatagramImpairer,
  type DatagramImpairment,
  DEFAULT_REORDER_MAX_HOLD_MS,
  HoldQueue,
} from '@protolab/core'
import { TimerHeap } from '@protolab/udp'
import {
  corruptionOffset,
  destinationPort,
  type FlowProtocol,
  flowProtocol,
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
  /** Frames dropped because the rate limit's queue was full (`--rate-limit`). */
  readonly queueDrops: number
  /** Extra copies sent (`--dup`). */
  readonly duplicated: number
  /** Frames held back to be overtaken (`--reorder`). */
  readonly reordered: number
  /** Frames with a byte flipped in their transport header or payload (`--corrupt`). */
  readonly corrupted: number
  /** Frames passed untouched: not IP (ARP), or the lab's control channel. */
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

/** Construction options of a {@link FrameRelay}. */
export interface FrameRelayInit {
  readonly impairment: DatagramImpairment
  readonly seed: number
  readonly direction: PacketLinkDirection
  /** Where the sender side's bridge (socat) sends its frames, and the relay answers it. */
  readonly sender: { readonly relayPort: number; readonly bridgePort: number }
  /** The same for the receiver's side. */
  readonly receiver: { readonly relayPort: number; readonly bridgePort: number }
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

class PortTally {
  private readonly byKey = new Map<number, { -readonly [K in keyof PortCounts]: PortCounts[K] }>()

  of(
    protocol: FlowProtocol,
    port: number,
  ): { frames: number; forwarded: number; lost: number; queueDrops: number } {
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

interface Pending {
  readonly frame: Buffer
  readonly copies: number
  readonly delayMs: number
}

interface Path {
  readonly impairer: DatagramImpairer | undefined
  readonly hold: HoldQueue<Pending>
  counts: Counts
  readonly send: (frame: Buffer) => void
}

const LOOPBACK = '127.0.0.1'

/**
 * The packet link's middle: Ethernet frames arrive over loopback UDP from two bridges (one per
 * veth, socat's `INTERFACE:` address) and leave towards the other, through core's seeded
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
  private readonly maxHoldMs: number
  private ports = new PortTally()
  private inFlight = 0
  private armed = false
  private idleWaiters: (() => void)[] = []

  private constructor(private readonly init: FrameRelayInit) {
    this.maxHoldMs = init.impairment.reorderMaxHoldMs ?? DEFAULT_REORDER_MAX_HOLD_MS
    this.senderSocket = dgram.createSocket('udp4')
    this.receiverSocket = dgram.createSocket('udp4')
    const impairer = (stream: number) =>
      new DatagramImpairer({ impairment: init.impairment, seed: init.seed, stream })
    this.toReceiver = {
      impairer: impairer(0),
      hold: new HoldQueue(this.maxHoldMs),
      counts: new Counts(),
      send: (frame) => this.receiverSocket.send(frame, init.receiver.bridgePort, LOOPBACK),
    }
    this.toSender = {
      impairer: init.direction === 'both' ? impairer(1) : undefined,
      hold: new HoldQueue(this.maxHoldMs),
      counts: new Counts(),
      send: (frame) => this.senderSocket.send(frame, init.sender.bridgePort, LOOPBACK),
    }
    this.senderSocket.on('message', (frame) => this.relay(this.toReceiver, frame))
    this.receiverSocket.on('message', (frame) => this.relay(this.toSender, frame))
    this.senderSocket.on('error', () => {})
    this.receiverSocket.on('error', () => {})
  }

  /** Binds both sockets on 127.0.0.1 and resolves with the relay; it relays (unimpaired) from then on. */
  static async start(init: FrameRelayInit): Promise<FrameRelay> {
    const relay = new FrameRelay(init)
    await Promise.all([
      bind(relay.senderSocket, init.sender.relayPort, init.socketBufferBytes),
      bind(relay.receiverSocket, init.receiver.relayPort, init.socketBufferBytes),
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
    if (this.inFlight === 0) return Promise.resolve()
    return new Promise((resolve) => this.idleWaiters.push(resolve))
  }

  /** Closes both sockets and drops what is still held or delayed. */
  async close(): Promise<void> {
    this.timers.clear()
    await Promise.all([closeSocket(this.senderSocket), closeSocket(this.receiverSocket)])
  }

  private relay(path: Path, frame: Buffer): void {
    const counts = path.counts
    counts.frames++
    const offset = transportOffset(frame)
    if (
      !this.armed ||
      path.impairer === undefined ||
      offset < 0 ||
      (this.init.exemptTcpPort !== undefined && isTcpPort(frame, offset, this.init.exemptTcpPort))
    ) {
      if (path.impairer !== undefined || offset < 0) counts.unimpaired++
      this.sendNow(path, frame, 1)
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
    if (port !== undefined) port.forwarded += decision.copies
    if (decision.corruptAt >= 0) {
      frame[corruptionOffset(decision.corruptAt, frame.length, offset)]! ^= decision.corruptMask
      counts.corrupted++
    }
    counts.duplicated += decision.copies - 1
    const pending: Pending = { frame, copies: decision.copies, delayMs: decision.delayMs }
    if (decision.holdForPackets > 0) {
      this.inFlight++
      counts.reordered++
      path.hold.hold(pending, decision.holdForPackets, nowMs)
      this.timers.schedule(nowMs + this.maxHoldMs, () =>
        this.releaseAll(path, path.hold.expired(performance.now())),
      )
      return
    }
    this.dispatch(path, pending, nowMs)
    this.releaseAll(path, path.hold.passed())
  }

  private releaseAll(path: Path, released: readonly Pending[]): void {
    const nowMs = performance.now()
    for (const pending of released) {
      this.dispatch(path, pending, nowMs)
      this.settled()
    }
  }

  private dispatch(path: Path, pending: Pending, nowMs: number): void {
    if (pending.delayMs <= 0) {
      this.sendNow(path, pending.frame, pending.copies)
      return
    }
    this.inFlight++
    this.timers.schedule(nowMs + pending.delayMs, () => {
      this.sendNow(path, pending.frame, pending.copies)
      this.settled()
    })
  }

  private sendNow(path: Path, frame: Buffer, copies: number): void {
    for (let copy = 0; copy < copies; copy++) {
      path.send(frame)
      path.counts.forwarded++
      path.counts.bytes += frame.length
    }
  }

  private settled(): void {
    if (--this.inFlight > 0) return
    const waiters = this.idleWaiters
    this.idleWaiters = []
    for (const resolve of waiters) resolve()
  }
}

function bind(socket: Socket, port: number, bufferBytes: number | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once('error', reject)
    socket.bind({ port, address: LOOPBACK, exclusive: true }, () => {
      socket.off('error', reject)
      if (bufferBytes !== undefined) {
        try {
          socket.setRecvBufferSize(bufferBytes)
          socket.setSendBufferSize(bufferBytes)
        } catch {
          // Above the namespace's maximum: the default size is still a working link.
        }
      }
      resolve()
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
