import {
  ClosedError,
  PeerUnreachableError,
  type ProtolabError,
  type SocketAddress,
  TimeoutError,
} from '@protolab/core'
import { type ArqConfig, type ArqCounters, ControlBlock } from '../arq/control-block.js'
import { kcpNow } from '../clock.js'
import type { Segment } from '../wire/segment.js'

/** What a session needs from the endpoint that owns it. */
export interface SessionHost {
  /** Sends one datagram to the session's peer. */
  transmit(datagram: Uint8Array, to: SocketAddress): void
  /** True while the reader's queue has room for another message. */
  accepting(): boolean
  /** Hands a received message to the reader; false when that filled its queue (stop draining). */
  deliver(payload: Uint8Array, from: SocketAddress): boolean
  /** The session ended; `error` says why when it was not a local close. */
  ended(session: Session, error: ProtolabError | undefined): void
}

/** Timing limits of a session. */
export interface SessionLimits {
  readonly idleTimeoutMs: number
  readonly closeTimeoutMs: number
}

interface PendingSend {
  readonly payload: Uint8Array
  readonly resolve: () => void
  readonly reject: (error: unknown) => void
}

/**
 * One KCP conversation with one peer: a {@link ControlBlock} driven by a timer, fed by the endpoint's
 * socket. `send` waits (in order) while the send queue is full, so memory stays bounded; `close`
 * waits until the peer acknowledged everything, or until the close timeout.
 */
export class Session {
  readonly cb: ControlBlock
  private readonly pending: PendingSend[] = []
  private timer: ReturnType<typeof setInterval> | undefined
  private flushQueued = false
  private state: 'open' | 'closing' | 'ended' = 'open'
  private closing: Promise<void> | undefined
  private onDrained: (() => void) | undefined
  private lastHeardMs: number
  /** When data in flight last saw progress (or when there was none in flight). */
  private lastProgressMs: number
  /** True while the reader's queue refused a message: the rest waits in the control block. */
  blocked = false

  constructor(
    conv: number,
    readonly remote: SocketAddress,
    config: ArqConfig,
    private readonly limits: SessionLimits,
    private readonly host: SessionHost,
  ) {
    this.cb = new ControlBlock(conv, config, (datagram) => this.host.transmit(datagram, remote))
    const now = kcpNow()
    this.lastHeardMs = now
    this.lastProgressMs = now
    // ikcp's update loop: one flush every `interval` ms. A resend due between two ticks waits for
    // the next, as in ikcp_update; one timer that never moves costs far less than one per flush.
    this.timer = setInterval(this.tick, config.interval)
  }

  /** The conversation id. */
  get conv(): number {
    return this.cb.conv
  }

  /** What the control block counted. */
  get counters(): Readonly<ArqCounters> {
    return this.cb.counters
  }

  /** True once the session ended (closed, timed out, or failed). */
  get ended(): boolean {
    return this.state === 'ended'
  }

  /**
   * Queues one message. Resolves once the control block holds it; waits, first come first served,
   * while the send queue is at the send window or the peer's window.
   * @throws MessageTooLargeError, ClosedError
   */
  send(payload: Uint8Array): Promise<void> {
    if (this.state !== 'open') return Promise.reject(new ClosedError())
    if (payload.length > this.cb.maxMessageBytes && !this.isStream()) {
      try {
        this.cb.send(payload) // throws the typed error
      } catch (error) {
        return Promise.reject(error)
      }
    }
    if (this.pending.length === 0 && this.cb.writable) {
      // An idle session flushes at once, as kcp-go's Write does: a lone message (a ping, a reply)
      // leaves without waiting a turn of the loop. With data in flight, sends of one turn share datagrams.
      const idle = this.cb.waitingSegments === 0
      this.cb.send(payload)
      if (idle) this.flush(kcpNow())
      else this.flushSoon()
      return Promise.resolve()
    }
    return new Promise<void>((resolve, reject) => this.pending.push({ payload, resolve, reject }))
  }

  /** Takes the segments of one datagram from the peer. */
  input(segments: readonly Segment[]): void {
    if (this.state === 'ended') return
    const now = kcpNow()
    this.lastHeardMs = now
    const waitingBefore = this.cb.waitingSegments
    let slid: boolean
    try {
      slid = this.cb.input(segments, now)
    } catch (error) {
      this.end(error as ProtolabError)
      return
    }
    if (this.cb.waitingSegments < waitingBefore) this.lastProgressMs = now
    // The window moved: new data may go. At the end of this turn, so that a reply the reader sends
    // meanwhile carries the ACKs in its datagram instead of following a datagram of ACKs alone.
    if (slid) this.flushSoon()
    else if (this.cb.acksPending && (this.cb.ackNoDelay || this.cb.acksPendingCount >= this.cb.ackLimit)) {
      this.cb.flush(now, true)
    }
    this.drain()
    this.pump()
    this.checkDrained()
  }

  /** Hands complete messages to the reader until it refuses one. */
  drain(): void {
    this.blocked = false
    while (this.cb.hasMessage) {
      // Messages stay in the receive queue while the reader is behind, so the window closes and the
      // peer waits; taking them out would advertise room and let the peer send without bound.
      if (!this.host.accepting()) {
        this.blocked = true
        break
      }
      const message = this.cb.receive() as Uint8Array
      if (!this.host.deliver(message, this.remote)) {
        this.blocked = true
        break
      }
    }
    // Taking from a full receive queue owes the peer a window update.
    if (this.cb.windowUpdateDue) this.flushSoon()
  }

  /**
   * Stops accepting sends and resolves once the peer has acknowledged everything sent before, the
   * sends still waiting for room included, or after the close timeout (which rejects those still
   * waiting with ERR_CLOSED). Idempotent.
   */
  close(): Promise<void> {
    if (this.closing !== undefined) return this.closing
    if (this.state === 'ended') {
      this.closing = Promise.resolve()
      return this.closing
    }
    // Sends already waiting go out too: close() flushes everything sent before it.
    this.state = 'closing'
    this.closing = new Promise<void>((resolve) => {
      const deadline = setTimeout(() => this.onDrained?.(), this.limits.closeTimeoutMs)
      this.onDrained = () => {
        clearTimeout(deadline)
        this.onDrained = undefined
        this.end(undefined)
        resolve()
      }
      this.flush(kcpNow())
      this.checkDrained()
    })
    return this.closing
  }

  /** Ends the session now: stops its timer, rejects waiting sends, tells the host. */
  end(error: ProtolabError | undefined): void {
    if (this.state === 'ended') return
    this.state = 'ended'
    if (this.timer !== undefined) clearInterval(this.timer)
    this.timer = undefined
    this.rejectPending(error ?? new ClosedError())
    this.host.ended(this, error)
    this.onDrained?.()
  }

  /** Flushes once at the end of this turn of the event loop, so messages sent together share datagrams. */
  flushSoon(): void {
    if (this.flushQueued || this.state === 'ended') return
    this.flushQueued = true
    setImmediate(() => {
      this.flushQueued = false
      if (this.state !== 'ended') this.flush(kcpNow())
    })
  }

  private isStream(): boolean {
    return this.cb.stream
  }

  private flush(now: number): void {
    this.cb.flush(now)
    if (this.cb.deadLink) this.end(new PeerUnreachableError(this.remote.address, this.remote.port))
  }

  private readonly tick = (): void => {
    if (this.state === 'ended') return
    const now = kcpNow()
    // Nothing to deliver is no stall; sends waiting for a window that never opens are.
    if (this.cb.waitingSegments === 0 && this.pending.length === 0) this.lastProgressMs = now
    const idle = this.limits.idleTimeoutMs
    if (idle > 0) {
      const silent = (now - this.lastHeardMs) >>> 0
      const stalled = (now - this.lastProgressMs) >>> 0
      if (silent >= idle || stalled >= idle) {
        const what = silent >= idle ? 'heard nothing' : 'saw no acknowledgement'
        this.end(
          new TimeoutError(
            `KCP session with ${this.remote.address} port ${this.remote.port} ${what} for ${idle} ms`,
          ),
        )
        return
      }
    }
    this.flush(now)
    this.pump()
  }

  /** Moves waiting sends into the control block while it has room. */
  private pump(): void {
    let moved = false
    while (this.pending.length > 0 && this.cb.writable && this.state !== 'ended') {
      const next = this.pending.shift() as PendingSend
      try {
        this.cb.send(next.payload)
        next.resolve()
        moved = true
      } catch (error) {
        next.reject(error)
      }
    }
    if (moved) {
      this.lastProgressMs = kcpNow()
      this.flushSoon()
    }
  }

  private checkDrained(): void {
    if (this.state === 'closing' && this.pending.length === 0 && this.cb.waitingSegments === 0) {
      this.onDrained?.()
    }
  }

  private rejectPending(error: unknown): void {
    for (const waiting of this.pending.splice(0)) waiting.reject(error)
  }
}
