import type { Socket } from 'node:net'
import {
  ClosedError,
  type FrameDecoder,
  FrameTooLargeError,
  formatHostPort,
  InvalidArgumentError,
  type Message,
  monotonicMs,
  type ProtolabError,
  type SocketAddress,
  TimeoutError,
} from '@protolab/core'
import { CLOSE_TIMEOUT_MS, LARGE_FRAME_BYTES, WRITE_BATCH_BYTES } from './constants.js'
import { toProtolabError } from './errors.js'
import { framePartsWithoutCopy } from './frame-parts.js'
import type { TcpSettings } from './options.js'
import type { SocketReads } from './socket-reads.js'

/** What a {@link Connection} tells the endpoint that owns it. */
export interface ConnectionHandlers {
  /** One decoded message. */
  onMessage(message: Message): void
  /** The peer ended its side: no more messages will come, but it can still be sent to. */
  onEnd(connection: Connection): void
  /** The connection is fully closed; `error` says why when it was not a clean close. */
  onClose(connection: Connection, error: ProtolabError | undefined): void
}

interface WriteWaiter {
  resolve(): void
  reject(error: unknown): void
}

const RESOLVED = Promise.resolve()

/**
 * Adapts one net.Socket to messages: decodes frames as they arrive (any chunk split), gathers the
 * frames sent in one tick into one write, makes `send` wait for drain beyond the high-water mark,
 * disconnects an idle or misbehaving peer, and closes gracefully (flush, FIN, close once the kernel
 * holds every byte).
 * Every socket event is handled here, so no 'error' is ever left unhandled.
 */
export class Connection {
  /** The peer, as the OS reported it when the connection was made. */
  readonly peer: SocketAddress
  /** Our end of the connection. */
  readonly local: SocketAddress
  /** `address:port` of the peer, for messages. */
  readonly peerName: string

  private readonly decoder: FrameDecoder
  private batch: Uint8Array[] = []
  private batchBytes = 0
  private flushScheduled = false
  private writeWaiters: WriteWaiter[] = []
  private failure: ProtolabError | undefined
  private closing: Promise<void> | undefined
  private sendingEnded: Promise<void> | undefined
  private closeTimer: NodeJS.Timeout | undefined
  private isClosed = false
  private readonly closed: Promise<void>
  private receivedAt = 0

  /** `reads`: the socket was created with `reads.onread`, so its bytes come from there, not 'data'. */
  constructor(
    private readonly socket: Socket,
    private readonly settings: TcpSettings,
    private readonly handlers: ConnectionHandlers,
    reads?: SocketReads,
  ) {
    // A peer that reset before it was accepted has no address left: the unspecified one, port 0.
    const family = (socket.remoteFamily ?? socket.localFamily) === 'IPv6' ? 'IPv6' : 'IPv4'
    this.peer = {
      address: socket.remoteAddress ?? (family === 'IPv6' ? '::' : '0.0.0.0'),
      port: socket.remotePort ?? 0,
      family,
    }
    this.local = {
      address: socket.localAddress ?? '',
      port: socket.localPort ?? 0,
      family: socket.localFamily === 'IPv6' ? 'IPv6' : 'IPv4',
    }
    this.peerName = formatHostPort(this.peer.address, this.peer.port)
    this.decoder = settings.framing.createDecoder({ maxFrameBytes: settings.maxFrameBytes })

    socket.setNoDelay(settings.noDelay)
    if (settings.keepAlive) socket.setKeepAlive(true, settings.keepAliveInitialDelayMs)
    if (settings.idleTimeoutMs > 0) socket.setTimeout(settings.idleTimeoutMs)

    this.closed = new Promise((resolve) => socket.once('close', () => resolve()))
    if (reads !== undefined) reads.attach(this.decoder, this.onData)
    else socket.on('data', this.onData)
    socket.on('end', this.onEnd)
    socket.on('error', this.onError)
    socket.on('timeout', this.onTimeout)
    socket.on('close', this.onClose)
  }

  /** True while messages can still be sent (we have not started closing and the socket is up). */
  get writable(): boolean {
    return this.closing === undefined && this.sendingEnded === undefined && !this.isClosed
  }

  /** Bytes accepted by `send` and not yet handed to the kernel. */
  get queuedBytes(): number {
    return this.batchBytes + this.socket.writableLength
  }

  /**
   * Queues one message. Resolves at once while fewer than `highWaterMark` bytes are queued,
   * otherwise once enough of them have drained; a large payload written without a copy resolves
   * once the kernel has it. Rejects when the connection fails first.
   */
  send(payload: Uint8Array): Promise<void> {
    if (!(payload instanceof Uint8Array)) {
      return Promise.reject(new InvalidArgumentError(`a payload is a Uint8Array, got ${typeof payload}`))
    }
    if (this.failure !== undefined) return Promise.reject(this.failure)
    if (!this.writable) return Promise.reject(new ClosedError(`the connection to ${this.peerName} is closed`))
    if (payload.byteLength > this.settings.maxFrameBytes) {
      return Promise.reject(new FrameTooLargeError(payload.byteLength, this.settings.maxFrameBytes))
    }
    if (payload.byteLength >= LARGE_FRAME_BYTES) {
      const parts = framePartsWithoutCopy(this.settings.framing, payload)
      if (parts !== undefined) return this.writeUncopied(parts)
    }
    let frame: Uint8Array
    try {
      frame = this.settings.framing.encode(payload)
    } catch (error) {
      return Promise.reject(error)
    }
    // A framing that adds nothing (raw) hands back the caller's bytes; copy them, since the caller
    // may reuse its buffer as soon as send() resolves, before the kernel has taken them.
    if (frame === payload) frame = Buffer.from(payload)
    if (frame.byteLength >= WRITE_BATCH_BYTES) {
      // A big frame goes out as it is: gathering it would only copy it.
      this.flush()
      this.write(frame)
    } else {
      this.batch.push(frame)
      this.batchBytes += frame.byteLength
      if (this.batchBytes >= WRITE_BATCH_BYTES || this.queuedBytes >= this.settings.highWaterMark) {
        this.flush()
      } else if (!this.flushScheduled) {
        this.flushScheduled = true
        process.nextTick(this.flushOnTick)
      }
    }
    if (this.queuedBytes < this.settings.highWaterMark) return RESOLVED
    return new Promise((resolve, reject) => this.writeWaiters.push({ resolve, reject }))
  }

  /** Stops reading: the kernel's receive window fills and TCP flow control slows the peer. */
  pause(): void {
    if (this.closing !== undefined || this.isClosed) return
    this.socket.pause()
    // A peer waiting for us to read is not idle.
    if (this.settings.idleTimeoutMs > 0) this.socket.setTimeout(0)
  }

  /** Reads again after {@link pause}. */
  resume(): void {
    if (this.closing !== undefined || this.isClosed) return
    this.socket.resume()
    if (this.settings.idleTimeoutMs > 0) this.socket.setTimeout(this.settings.idleTimeoutMs)
  }

  /**
   * Flushes everything sent before it, ends our side (FIN) and, once the kernel holds every byte,
   * closes the socket; resolves when it is closed. A peer that stops reading for CLOSE_TIMEOUT_MS
   * while we flush is cut off. Idempotent.
   */
  close(): Promise<void> {
    if (this.closing !== undefined) return this.closing
    this.closing = this.closed
    if (this.isClosed) return this.closing
    this.flush()
    this.socket.setTimeout(0)
    // Keep reading (and discarding): unread bytes in the kernel would turn our close into a reset.
    this.socket.resume()
    // 'finish' comes once every write and the FIN are in the kernel, which delivers them after we close
    // the socket. Waiting for the peer's FIN too would hang on a peer that keeps its side open.
    // After endSending our FIN may be out already, and 'finish' will not come again.
    if (this.socket.writableFinished) this.socket.destroy()
    else this.socket.once('finish', () => this.socket.destroy())
    this.socket.end()
    this.closeTimer = setTimeout(() => this.socket.destroy(), CLOSE_TIMEOUT_MS)
    return this.closing
  }

  /**
   * Half-closes, as `shutdown(SHUT_WR)` does: flushes everything sent before it and ends our side
   * (FIN) while the peer's messages keep arriving until it ends its side too, when the socket
   * closes. Resolves once the FIN is in the kernel; a later `send` fails. Idempotent.
   */
  endSending(): Promise<void> {
    if (this.sendingEnded !== undefined) return this.sendingEnded
    if (this.closing !== undefined || this.isClosed) return this.closing ?? this.closed
    this.flush()
    this.sendingEnded = new Promise((resolve) => {
      this.socket.once('finish', resolve)
      this.socket.once('close', resolve)
    })
    this.socket.end()
    return this.sendingEnded
  }

  /** Closes at once, without flushing; `error` is what the endpoint reports as the reason. */
  destroy(error?: ProtolabError): void {
    if (this.failure === undefined) this.failure = error
    this.socket.destroy()
  }

  /**
   * Writes a large payload without copying it. The socket then holds the caller's buffer, so this
   * send resolves only once the kernel has taken every byte of it.
   */
  private writeUncopied(parts: readonly Uint8Array[]): Promise<void> {
    this.flush()
    return new Promise((resolve, reject) => {
      const last = parts.length - 1
      this.socket.cork()
      for (let i = 0; i < last; i++) this.socket.write(parts[i]!)
      this.socket.write(parts[last]!, (error) => {
        if (!error) {
          this.onWritten()
          resolve()
        } else if (this.failure !== undefined) {
          reject(this.failure)
        } else {
          reject(new ClosedError(`the connection to ${this.peerName} closed before the message was sent`))
        }
      })
      this.socket.uncork()
    })
  }

  private write(data: Uint8Array): void {
    this.socket.write(data, this.onWritten)
  }

  private flush(): void {
    this.flushScheduled = false
    if (this.batchBytes === 0) return
    const data = this.batch.length === 1 ? this.batch[0]! : Buffer.concat(this.batch, this.batchBytes)
    this.batch = []
    this.batchBytes = 0
    this.write(data)
  }

  private readonly flushOnTick = (): void => {
    if (this.flushScheduled && !this.isClosed) this.flush()
  }

  private readonly onWritten = (error?: Error | null): void => {
    // A failed write is reported by 'error' and 'close'; the waiters are rejected there.
    if (error) return
    this.closeTimer?.refresh()
    if (this.writeWaiters.length > 0 && this.queuedBytes < this.settings.highWaterMark) {
      const waiters = this.writeWaiters
      this.writeWaiters = []
      for (const waiter of waiters) waiter.resolve()
    }
  }

  private readonly onData = (chunk: Uint8Array): void => {
    if (this.closing !== undefined) return
    this.receivedAt = monotonicMs()
    try {
      this.decoder.push(chunk, this.onFrame)
    } catch (error) {
      this.destroy(toProtolabError(error, { kind: 'io', peer: this.peerName }))
    }
  }

  private readonly onFrame = (payload: Uint8Array): void => {
    this.handlers.onMessage({ payload, from: this.peer, receivedAt: this.receivedAt, truncated: false })
  }

  private readonly onEnd = (): void => {
    if (this.closing !== undefined) return
    this.receivedAt = monotonicMs()
    try {
      this.decoder.end(this.onFrame)
    } catch (error) {
      this.destroy(toProtolabError(error, { kind: 'io', peer: this.peerName }))
      return
    }
    this.handlers.onEnd(this)
  }

  private readonly onError = (error: Error): void => {
    if (this.failure === undefined) this.failure = toProtolabError(error, { kind: 'io', peer: this.peerName })
  }

  private readonly onTimeout = (): void => {
    this.destroy(
      new TimeoutError(
        `${this.peerName} was idle for ${this.settings.idleTimeoutMs} ms and was disconnected`,
      ),
    )
  }

  private readonly onClose = (): void => {
    this.isClosed = true
    this.flushScheduled = false
    clearTimeout(this.closeTimer)
    const waiters = this.writeWaiters
    this.writeWaiters = []
    const reason = this.failure ?? new ClosedError(`the connection to ${this.peerName} closed`)
    for (const waiter of waiters) waiter.reject(reason)
    this.handlers.onClose(this, this.failure)
  }
}
