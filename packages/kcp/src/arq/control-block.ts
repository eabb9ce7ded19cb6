import { InvalidPacketError, MessageTooLargeError } from '@protolab/core'
import {
  Command,
  type CommandCode,
  encodeHeader,
  SEGMENT_HEADER_BYTES,
  type Segment,
} from '../wire/segment.js'
import { CongestionWindow } from './congestion.js'
import { RTO_MIN_MS, RTO_NODELAY_MIN_MS, RtoEstimator } from './rto.js'

/** A segment sent this many times marks the link dead (IKCP_DEADLINK). */
export const DEAD_LINK_TRANSMISSIONS = 20
/** First wait before probing a zero window, in ms (IKCP_PROBE_INIT). */
export const PROBE_INITIAL_MS = 7_000
/** Longest wait between window probes, in ms (IKCP_PROBE_LIMIT). */
export const PROBE_LIMIT_MS = 120_000
/** At most this many fragments make one message: `frg` is one byte. */
export const MAX_FRAGMENTS = 255

/** The ARQ knobs of one control block, as ikcp and kcp-go name them. */
export interface ArqConfig {
  /** 1: minimum RTO 30 ms and gentler backoff (×1.5 instead of ×2). */
  readonly nodelay: boolean
  /** Milliseconds between flushes of ACKs and retransmissions (10-5000). */
  readonly interval: number
  /** Resend a segment after this many ACKs skipped it; 0 turns fast resend off. */
  readonly resend: number
  /** True turns the congestion window off: only the send and remote windows limit sending. */
  readonly nc: boolean
  /** Send window in segments. */
  readonly sndwnd: number
  /** Receive window in segments: the most a peer may have in flight towards us. */
  readonly rcvwnd: number
  /** Largest datagram in bytes, segment headers included. */
  readonly mtu: number
  /** Stream mode: no message boundaries, small writes are merged into full segments. */
  readonly stream: boolean
  /** ACK every segment at once instead of on the next flush (kcp-go's SetACKNoDelay). */
  readonly ackNoDelay: boolean
}

/** What the control block counts, for the lab and for tests. */
export interface ArqCounters {
  /** Segments sent again: by timeout, fast resend or early resend. */
  retransmits: number
  /** Of those, resent because their RTO expired. */
  timeouts: number
  /** Of those, resent because later segments were acknowledged (fast and early resend). */
  fastRetransmits: number
  /** Datagrams handed to the output. */
  datagramsOut: number
  /** Bytes of those datagrams (KCP headers included, IP and UDP headers not). */
  bytesOut: number
  /** Data segments received that were already received or outside the window. */
  duplicateSegments: number
  /** Window probes (WASK) sent. */
  probesSent: number
}

interface OutgoingSegment {
  sn: number
  frg: number
  ts: number
  data: Uint8Array
  rto: number
  resendAt: number
  xmit: number
  fastack: number
  acked: boolean
}

interface IncomingSegment {
  readonly sn: number
  readonly frg: number
  readonly data: Uint8Array
}

/** `later - earlier` on the 32-bit wrapping clock and sequence space of KCP. */
export function timeDiff(later: number, earlier: number): number {
  return (later - earlier) | 0
}

const PROBE_ASK_SEND = 1
const PROBE_ASK_TELL = 2

/**
 * The KCP control block: ikcp's ARQ without sockets or timers. `send` queues a message, `input`
 * takes the segments of a received datagram, `flush` emits what is due (ACKs, window probes, new
 * and resent data) through `output`, and `receive` takes whole messages in order. Time is passed in
 * as 32-bit milliseconds, so a test can drive it with any clock.
 */
export class ControlBlock {
  readonly mss: number
  readonly counters: ArqCounters = {
    retransmits: 0,
    timeouts: 0,
    fastRetransmits: 0,
    datagramsOut: 0,
    bytesOut: 0,
    duplicateSegments: 0,
    probesSent: 0,
  }
  private sndUna = 0
  private sndNxt = 0
  private rcvNxt = 0
  private remoteWindow: number
  private probe = 0
  private probeAt = 0
  private probeWait = 0
  private dead = false
  private readonly rto: RtoEstimator
  private readonly cwnd: CongestionWindow
  private sndQueue: OutgoingSegment[] = []
  private sndBuf: OutgoingSegment[] = []
  private rcvBuf: IncomingSegment[] = []
  private rcvQueue: IncomingSegment[] = []
  private ackList: number[] = []
  private readonly packer: DatagramPacker

  constructor(
    readonly conv: number,
    private readonly config: ArqConfig,
    private readonly output: (datagram: Uint8Array) => void,
  ) {
    this.mss = config.mtu - SEGMENT_HEADER_BYTES
    this.remoteWindow = config.rcvwnd
    this.rto = new RtoEstimator(config.nodelay ? RTO_NODELAY_MIN_MS : RTO_MIN_MS, config.interval)
    this.cwnd = new CongestionWindow(this.mss)
    this.packer = new DatagramPacker(new Uint8Array(config.mtu))
  }

  /** The largest message `send` accepts: as many fragments as a receive window of ours holds, at most 255. */
  get maxMessageBytes(): number {
    return this.mss * Math.min(MAX_FRAGMENTS, this.config.rcvwnd)
  }

  /** Segments queued or in flight, not yet acknowledged (ikcp's `waitsnd`). */
  get waitingSegments(): number {
    return this.sndQueue.length + this.sndBuf.length
  }

  /** True while the send queue has room, as kcp-go's Write decides: below both the send and the remote window. */
  get writable(): boolean {
    const waiting = this.waitingSegments
    return waiting < this.config.sndwnd && waiting < this.remoteWindow
  }

  /** The window the peer advertised last, in segments. */
  get peerWindow(): number {
    return this.remoteWindow
  }

  /** True once a segment was sent {@link DEAD_LINK_TRANSMISSIONS} times without an ACK. */
  get deadLink(): boolean {
    return this.dead
  }

  /** The current retransmission timeout in ms. */
  get rtoMs(): number {
    return this.rto.rtoMs
  }

  /** The smoothed round-trip time in ms (0 before the first ACK). */
  get srttMs(): number {
    return this.rto.srttMs
  }

  /** Messages (or stream segments) ready for `receive`. */
  get hasMessage(): boolean {
    return this.peekFragments() > 0
  }

  /** Received segments held, in order or waiting for a gap to fill: never more than twice `rcvwnd`. */
  get heldSegments(): number {
    return this.rcvBuf.length + this.rcvQueue.length
  }

  /** Segments received in order and waiting to be read. */
  get queuedSegments(): number {
    return this.rcvQueue.length
  }

  /**
   * Queues one message, cut into segments of at most `mss` bytes whose `frg` counts down to 0.
   * An empty message is one segment without data (ikcp refuses it; see the README). In stream mode
   * the bytes first fill the last queued segment.
   * @throws MessageTooLargeError when it needs more fragments than {@link maxMessageBytes} allows.
   */
  send(payload: Uint8Array): void {
    const mss = this.mss
    let rest = payload
    if (this.config.stream) {
      const last = this.sndQueue[this.sndQueue.length - 1]
      if (last !== undefined && last.data.length < mss && rest.length > 0) {
        const take = Math.min(mss - last.data.length, rest.length)
        const merged = new Uint8Array(last.data.length + take)
        merged.set(last.data)
        merged.set(rest.subarray(0, take), last.data.length)
        last.data = merged
        rest = rest.subarray(take)
        if (rest.length === 0) return
      }
    } else if (payload.length > this.maxMessageBytes) {
      throw new MessageTooLargeError(payload.length, this.maxMessageBytes)
    }
    const count = rest.length <= mss ? 1 : Math.ceil(rest.length / mss)
    // One copy of the caller's bytes, so a buffer reused after send() resolves changes nothing in flight.
    // Uint8Array's slice copies; a Buffer's own slice() would only make a view.
    const copy = Uint8Array.prototype.slice.call(rest)
    for (let i = 0; i < count; i++) {
      this.sndQueue.push({
        sn: 0,
        frg: this.config.stream ? 0 : count - i - 1,
        ts: 0,
        data: copy.subarray(i * mss, Math.min((i + 1) * mss, copy.length)),
        rto: 0,
        resendAt: 0,
        xmit: 0,
        fastack: 0,
        acked: false,
      })
    }
  }

  /**
   * Takes the segments of one datagram from the peer (already checked to carry our `conv`).
   * @returns true when the flush that should follow may carry new data (the send window moved).
   * @throws InvalidPacketError for a message of more fragments than our receive window holds, which
   * could never be completed; the segments are rejected before any of them changes state.
   */
  input(segments: readonly Segment[], now: number): boolean {
    const rcvwnd = this.config.rcvwnd
    for (const segment of segments) {
      if (segment.cmd === Command.PUSH && segment.frg >= rcvwnd) {
        throw new InvalidPacketError(
          `a KCP message of ${segment.frg + 1} fragments cannot fit the receive window of ${rcvwnd} segments`,
        )
      }
    }
    const unaBefore = this.sndUna
    let slid = false
    let latestAckTs: number | undefined
    for (const segment of segments) {
      this.remoteWindow = segment.wnd
      if (this.acknowledgeBelow(segment.una) > 0) slid = true
      this.shrinkBuffer()
      switch (segment.cmd) {
        case Command.ACK:
          this.acknowledge(segment.sn)
          this.countSkips(segment.sn, segment.ts)
          latestAckTs = segment.ts
          break
        case Command.PUSH:
          this.receiveData(segment)
          break
        case Command.WASK:
          this.probe |= PROBE_ASK_TELL
          break
        default:
          // WINS: the window was taken from `wnd` above.
          break
      }
    }
    if (latestAckTs !== undefined) {
      const rtt = timeDiff(now, latestAckTs)
      if (rtt >= 0) this.rto.sample(rtt)
    }
    if (!this.config.nc && timeDiff(this.sndUna, unaBefore) > 0) this.cwnd.onAdvance(this.remoteWindow)
    return slid
  }

  /** True when ACKs are waiting to be sent. */
  get acksPending(): boolean {
    return this.ackList.length > 0
  }

  /** ACKs waiting to be sent. */
  get acksPendingCount(): number {
    return this.ackList.length >> 1
  }

  /** Past this many waiting ACKs the owner should flush them at once, so a flood of segments cannot grow the list. */
  get ackLimit(): number {
    return this.config.rcvwnd
  }

  /** True when the next flush owes the peer a window update (WINS). */
  get windowUpdateDue(): boolean {
    return (this.probe & PROBE_ASK_TELL) !== 0
  }

  /** Stream mode: no message boundaries. */
  get stream(): boolean {
    return this.config.stream
  }

  /** ACK every data segment at once. */
  get ackNoDelay(): boolean {
    return this.config.ackNoDelay
  }

  /**
   * The next whole message (or, in stream mode, the next segment's bytes), or undefined when none
   * is complete. Taking from a full receive queue makes the next flush tell the peer the window opened.
   */
  receive(): Uint8Array | undefined {
    const fragments = this.peekFragments()
    if (fragments === 0) return undefined
    const wasFull = this.rcvQueue.length >= this.config.rcvwnd
    const parts = this.rcvQueue.splice(0, fragments)
    let message: Uint8Array
    if (parts.length === 1) message = (parts[0] as IncomingSegment).data
    else {
      message = new Uint8Array(parts.reduce((sum, part) => sum + part.data.length, 0))
      let at = 0
      for (const part of parts) {
        message.set(part.data, at)
        at += part.data.length
      }
    }
    this.moveReceived()
    if (wasFull && this.rcvQueue.length < this.config.rcvwnd) this.probe |= PROBE_ASK_TELL
    return message
  }

  /**
   * Emits what is due at `now`: ACKs, window probes, then (unless `ackOnly`) new segments the windows
   * allow and resends. Segments are packed into datagrams of at most `mtu` bytes.
   * @returns milliseconds until the next flush is needed: the interval, or sooner for a due resend.
   */
  flush(now: number, ackOnly = false): number {
    const packer = this.packer.begin(this.output, this.counters)
    const window = this.unusedWindow()
    const una = this.rcvNxt
    const acks = this.ackList
    for (let i = 0; i < acks.length; i += 2) {
      const sn = acks[i] as number
      // An ACK below rcv_nxt is already said by una; the last one goes anyway (ikcp's bufferbloat filter).
      if (timeDiff(sn, una) >= 0 || i === acks.length - 2) {
        packer.addControl(this.conv, Command.ACK, window, acks[i + 1] as number, sn, una)
      }
    }
    this.ackList = []
    if (ackOnly) {
      packer.finish()
      return this.config.interval
    }

    this.scheduleProbe(now)
    if ((this.probe & PROBE_ASK_SEND) !== 0) {
      packer.addControl(this.conv, Command.WASK, window, 0, 0, una)
      this.counters.probesSent++
    }
    if ((this.probe & PROBE_ASK_TELL) !== 0) {
      packer.addControl(this.conv, Command.WINS, window, 0, 0, una)
    }
    this.probe = 0

    let usedWindow = Math.min(this.config.sndwnd, this.remoteWindow)
    if (!this.config.nc) usedWindow = Math.min(this.cwnd.segments, usedWindow)
    let moved = 0
    while (moved < this.sndQueue.length && timeDiff(this.sndNxt, this.sndUna + usedWindow) < 0) {
      const segment = this.sndQueue[moved] as OutgoingSegment
      segment.sn = this.sndNxt
      this.sndNxt = (this.sndNxt + 1) >>> 0
      this.sndBuf.push(segment)
      moved++
    }
    if (moved > 0) this.sndQueue.splice(0, moved)

    const resend = this.config.resend > 0 ? this.config.resend : Number.POSITIVE_INFINITY
    let nextMs = this.config.interval
    let fastResent = false
    let timedOut = false
    for (const segment of this.sndBuf) {
      if (segment.acked) continue
      let due = false
      if (segment.xmit === 0) {
        due = true
        segment.rto = this.rto.rtoMs
        segment.resendAt = (now + segment.rto) >>> 0
      } else if (segment.fastack >= resend || (segment.fastack > 0 && moved === 0)) {
        // Fast resend after `resend` skips; kcp-go's early resend when nothing new could be sent.
        due = true
        segment.fastack = 0
        segment.rto = this.rto.rtoMs
        segment.resendAt = (now + segment.rto) >>> 0
        fastResent = true
        this.counters.retransmits++
        this.counters.fastRetransmits++
      } else if (timeDiff(now, segment.resendAt) >= 0) {
        due = true
        segment.rto += this.config.nodelay ? this.rto.rtoMs >>> 1 : this.rto.rtoMs
        segment.fastack = 0
        segment.resendAt = (now + segment.rto) >>> 0
        timedOut = true
        this.counters.retransmits++
        this.counters.timeouts++
      }
      if (due) {
        segment.xmit++
        segment.ts = now
        packer.addData(this.conv, segment.frg, window, now, segment.sn, una, segment.data)
        if (segment.xmit >= DEAD_LINK_TRANSMISSIONS) this.dead = true
      }
      const wait = timeDiff(segment.resendAt, now)
      if (wait > 0 && wait < nextMs) nextMs = wait
    }
    packer.finish()

    if (!this.config.nc) {
      const inFlight = (this.sndNxt - this.sndUna) >>> 0
      this.cwnd.onFlush(fastResent, timedOut, inFlight, usedWindow, this.config.resend)
    }
    return nextMs
  }

  /** Segments that ikcp would advertise as free in our receive queue. */
  private unusedWindow(): number {
    return Math.max(0, this.config.rcvwnd - this.rcvQueue.length)
  }

  /** Zero remote window: probe after 7 s, then ever more rarely (×1.5, at most every 120 s). */
  private scheduleProbe(now: number): void {
    if (this.remoteWindow !== 0) {
      this.probeAt = 0
      this.probeWait = 0
      return
    }
    if (this.probeWait === 0) {
      this.probeWait = PROBE_INITIAL_MS
      this.probeAt = (now + this.probeWait) >>> 0
    } else if (timeDiff(now, this.probeAt) >= 0) {
      this.probeWait = Math.min(PROBE_LIMIT_MS, Math.max(PROBE_INITIAL_MS, this.probeWait) * 1.5)
      this.probeAt = (now + this.probeWait) >>> 0
      this.probe |= PROBE_ASK_SEND
    }
  }

  /** How many segments the next message takes from the receive queue; 0 when it is not complete. */
  private peekFragments(): number {
    const first = this.rcvQueue[0]
    if (first === undefined) return 0
    if (first.frg === 0) return 1
    if (this.rcvQueue.length < first.frg + 1) return 0
    for (let i = 0; i < this.rcvQueue.length; i++) {
      if ((this.rcvQueue[i] as IncomingSegment).frg === 0) return i + 1
    }
    return 0
  }

  /** Drops every segment below `una` from the send buffer; returns how many. */
  private acknowledgeBelow(una: number): number {
    let count = 0
    while (count < this.sndBuf.length && timeDiff(una, (this.sndBuf[count] as OutgoingSegment).sn) > 0)
      count++
    if (count > 0) this.sndBuf.splice(0, count)
    return count
  }

  private shrinkBuffer(): void {
    const first = this.sndBuf[0]
    this.sndUna = first === undefined ? this.sndNxt : first.sn
  }

  /** Marks one segment acknowledged; it leaves the buffer when una passes it, so nothing shifts now. */
  private acknowledge(sn: number): void {
    if (timeDiff(sn, this.sndUna) < 0 || timeDiff(sn, this.sndNxt) >= 0) return
    for (const segment of this.sndBuf) {
      if (segment.sn === sn) {
        segment.acked = true
        segment.data = EMPTY
        return
      }
      if (timeDiff(sn, segment.sn) < 0) return
    }
  }

  /** Every unacknowledged segment sent before the acknowledged one was skipped once more. */
  private countSkips(sn: number, ts: number): void {
    if (timeDiff(sn, this.sndUna) < 0 || timeDiff(sn, this.sndNxt) >= 0) return
    for (const segment of this.sndBuf) {
      if (timeDiff(sn, segment.sn) < 0) return
      if (sn !== segment.sn && timeDiff(segment.ts, ts) <= 0) segment.fastack++
    }
  }

  private receiveData(segment: Segment): void {
    const { sn } = segment
    const rcvwnd = this.config.rcvwnd
    if (timeDiff(sn, this.rcvNxt + rcvwnd) >= 0) {
      this.counters.duplicateSegments++
      return
    }
    // ACK anything inside the window, old ones too: the peer may have lost our first ACK.
    this.ackList.push(sn, segment.ts)
    if (timeDiff(sn, this.rcvNxt) < 0) {
      this.counters.duplicateSegments++
      return
    }
    let insertAt = 0
    for (let i = this.rcvBuf.length - 1; i >= 0; i--) {
      const held = this.rcvBuf[i] as IncomingSegment
      if (held.sn === sn) {
        this.counters.duplicateSegments++
        this.moveReceived()
        return
      }
      if (timeDiff(sn, held.sn) > 0) {
        insertAt = i + 1
        break
      }
    }
    this.rcvBuf.splice(insertAt, 0, { sn, frg: segment.frg, data: segment.data })
    this.moveReceived()
  }

  /** Moves in-order segments from the reassembly buffer to the receive queue while the queue has room. */
  private moveReceived(): void {
    let count = 0
    const rcvwnd = this.config.rcvwnd
    while (count < this.rcvBuf.length) {
      const segment = this.rcvBuf[count] as IncomingSegment
      if (segment.sn !== this.rcvNxt || this.rcvQueue.length + count >= rcvwnd) break
      this.rcvNxt = (this.rcvNxt + 1) >>> 0
      count++
    }
    if (count === 0) return
    for (const segment of this.rcvBuf.splice(0, count)) this.rcvQueue.push(segment)
  }
}

const EMPTY = new Uint8Array(0)

/**
 * Packs segments into datagrams of at most `mtu` bytes, as ikcp's flush does with its buffer: one
 * scratch buffer per control block, each datagram copied out of it into a pooled Buffer (a fresh
 * ArrayBuffer per datagram costs more than the rest of the flush, mostly in garbage collection).
 */
class DatagramPacker {
  private used = 0
  private output: (datagram: Uint8Array) => void = () => {}
  private counters: ArqCounters | undefined

  constructor(private readonly scratch: Uint8Array) {}

  /** Starts a flush that hands its datagrams to `output`. */
  begin(output: (datagram: Uint8Array) => void, counters: ArqCounters): this {
    this.output = output
    this.counters = counters
    this.used = 0
    return this
  }

  /** Adds a segment without data (ACK, WASK, WINS), written field by field. */
  addControl(conv: number, cmd: CommandCode, wnd: number, ts: number, sn: number, una: number): void {
    if (this.used + SEGMENT_HEADER_BYTES > this.scratch.length) this.finish()
    this.used = encodeHeader(this.scratch, this.used, conv, cmd, 0, wnd, ts, sn, una, 0)
  }

  /** Adds a PUSH segment with its data. */
  addData(
    conv: number,
    frg: number,
    wnd: number,
    ts: number,
    sn: number,
    una: number,
    data: Uint8Array,
  ): void {
    if (this.used + SEGMENT_HEADER_BYTES + data.length > this.scratch.length) this.finish()
    const at = encodeHeader(this.scratch, this.used, conv, Command.PUSH, frg, wnd, ts, sn, una, data.length)
    this.scratch.set(data, at)
    this.used = at + data.length
  }

  /** Hands the bytes packed so far to the output as one datagram. */
  finish(): void {
    const used = this.used
    if (used === 0) return
    const datagram = Buffer.allocUnsafe(used)
    datagram.set(this.scratch.subarray(0, used))
    this.used = 0
    const counters = this.counters as ArqCounters
    counters.datagramsOut++
    counters.bytesOut += used
    this.output(datagram)
  }
}
