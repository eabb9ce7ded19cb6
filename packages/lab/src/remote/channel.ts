import { AbortError, ClosedError, monotonicMs, TimeoutError } from '@protolab/core'
import { LabError } from '../errors.js'
import { RemoteLabRefusedError } from './errors.js'
import {
  type ControlMessage,
  type ControlMessageOf,
  type ControlType,
  encodeControlMessage,
  parseControlMessage,
} from './protocol.js'

/** The connection under a {@link ControlChannel}: sends one line, and closes. */
export interface ControlLink {
  send(line: Uint8Array): Promise<void>
  close(): Promise<void>
}

/** Construction options of a {@link ControlChannel}. */
export interface ControlChannelInit {
  /** Who is at the other end, for messages: `the lab server at 10.0.0.2:5301`. */
  readonly peerName: string
}

/** Per-call options of {@link ControlChannel.next}. */
export interface NextOptions {
  /** Give up after this many ms (TimeoutError); no limit when absent (heartbeats watch the peer). */
  readonly timeoutMs?: number
  /** Only a message of this flow (`sent`, `received`, `report`). */
  readonly flow?: number
  readonly signal?: AbortSignal
}

interface Waiter {
  matches(message: ControlMessage): boolean
  resolve(message: ControlMessage): void
  reject(error: unknown): void
}

/**
 * One end of the lab's control channel: sends messages, and hands out the messages that arrive to
 * whoever waits for them by type (and flow), so two flows of one session can wait at once. It
 * answers `ping` with `pong` itself. Once the connection ends, the peer sends `error`, or the peer
 * is silent too long while heartbeats run, every wait rejects with the reason.
 */
export class ControlChannel {
  private readonly mailbox: ControlMessage[] = []
  private readonly waiters = new Set<Waiter>()
  private readonly handlers = new Map<ControlType, (message: ControlMessage) => void>()
  private failure: Error | undefined
  private lastHeardMs = monotonicMs()
  private heartbeat: NodeJS.Timeout | undefined
  private closing: Promise<void> | undefined
  private readonly failedController = new AbortController()

  constructor(
    private readonly link: ControlLink,
    private readonly init: ControlChannelInit,
  ) {}

  /** Who is at the other end. */
  get peerName(): string {
    return this.init.peerName
  }

  /** Why the channel stopped, once it has. */
  get error(): Error | undefined {
    return this.failure
  }

  /** Aborted once the channel stopped (failed, ended or closed): what runs for it should stop too. */
  get failed(): AbortSignal {
    return this.failedController.signal
  }

  /** Feeds one line that arrived. A line that breaks the protocol ends the channel. */
  deliver(line: Uint8Array): void {
    if (this.failure !== undefined) return
    this.lastHeardMs = monotonicMs()
    let message: ControlMessage
    try {
      message = parseControlMessage(line)
    } catch (error) {
      this.fail(error as Error)
      return
    }
    if (message.type === 'ping') {
      void this.send({ type: 'pong' }).catch(() => {})
      return
    }
    if (message.type === 'pong') return
    const handler = this.handlers.get(message.type)
    if (handler !== undefined) {
      handler(message)
      return
    }
    for (const waiter of this.waiters) {
      if (!waiter.matches(message)) continue
      this.waiters.delete(waiter)
      waiter.resolve(message)
      return
    }
    if (message.type === 'error') {
      this.fail(new RemoteLabRefusedError(message.message, message.code))
      return
    }
    this.mailbox.push(message)
  }

  /** The connection ended (cleanly, or with `error`): every wait rejects. */
  end(error?: unknown): void {
    const reason =
      error instanceof Error
        ? new LabError(
            'ERR_PEER_RESET',
            `the control connection to ${this.init.peerName} failed: ${error.message}`,
            {
              cause: error,
            },
          )
        : new LabError('ERR_PEER_RESET', `${this.init.peerName} closed the control connection`)
    this.fail(reason)
  }

  /** Sends one message. */
  async send(message: ControlMessage): Promise<void> {
    if (this.failure !== undefined) throw this.failure
    await this.link.send(encodeControlMessage(message))
  }

  /**
   * Hands every message of `type` to `handler` as it arrives, instead of keeping it for
   * {@link next}, until the returned function is called (a stream of messages, such as `interval`).
   */
  subscribe<T extends ControlType>(type: T, handler: (message: ControlMessageOf<T>) => void): () => void {
    const handle = handler as (message: ControlMessage) => void
    this.handlers.set(type, handle)
    return () => {
      if (this.handlers.get(type) === handle) this.handlers.delete(type)
    }
  }

  /**
   * Resolves with the next message of one of `types` (already arrived or still to come). An
   * `error` from the peer rejects it with RemoteLabRefusedError, unless `error` is one of `types`.
   * @throws TimeoutError after `timeoutMs`; AbortError when `signal` aborts; the channel's failure
   */
  next<T extends ControlType>(
    types: T | readonly T[],
    options: NextOptions = {},
  ): Promise<ControlMessageOf<T>> {
    const wanted: readonly ControlType[] = Array.isArray(types) ? types : [types as T]
    const matches = (message: ControlMessage): boolean =>
      wanted.includes(message.type) &&
      (options.flow === undefined || !('flow' in message) || message.flow === options.flow)
    const queued = this.mailbox.findIndex(matches)
    if (queued !== -1) {
      const [message] = this.mailbox.splice(queued, 1)
      return Promise.resolve(message as ControlMessageOf<T>)
    }
    if (this.failure !== undefined) return Promise.reject(this.failure)
    options.signal?.throwIfAborted()
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined
      const done = (): void => {
        this.waiters.delete(waiter)
        if (timer !== undefined) clearTimeout(timer)
        options.signal?.removeEventListener('abort', onAbort)
      }
      const waiter: Waiter = {
        matches,
        resolve: (message) => {
          done()
          resolve(message as ControlMessageOf<T>)
        },
        reject: (error) => {
          done()
          reject(error)
        },
      }
      const onAbort = (): void => waiter.reject(new AbortError())
      options.signal?.addEventListener('abort', onAbort)
      if (options.timeoutMs !== undefined) {
        timer = setTimeout(
          () =>
            waiter.reject(
              new TimeoutError(
                `${this.init.peerName} did not send ${wanted.join(' or ')} within ${formatSeconds(options.timeoutMs ?? 0)}`,
              ),
            ),
          options.timeoutMs,
        )
      }
      this.waiters.add(waiter)
    })
  }

  /**
   * Sends `ping` every `intervalMs` and ends the channel (TimeoutError) when nothing at all came
   * from the peer for `silenceMs`: a peer that vanished without closing is noticed.
   */
  startHeartbeat(intervalMs: number, silenceMs: number): void {
    this.stopHeartbeat()
    this.lastHeardMs = monotonicMs()
    this.heartbeat = setInterval(() => {
      if (monotonicMs() - this.lastHeardMs > silenceMs) {
        this.fail(new TimeoutError(`${this.init.peerName} went silent for ${formatSeconds(silenceMs)}`))
        return
      }
      void this.send({ type: 'ping' }).catch(() => {})
    }, intervalMs)
    this.heartbeat.unref()
  }

  /** Stops sending heartbeats. */
  stopHeartbeat(): void {
    if (this.heartbeat !== undefined) clearInterval(this.heartbeat)
    this.heartbeat = undefined
  }

  /** Closes the connection (what was sent before is flushed). Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.stopHeartbeat()
      if (this.failure === undefined) this.failure = new ClosedError('the control channel is closed')
      this.failedController.abort(this.failure)
      for (const waiter of [...this.waiters]) waiter.reject(this.failure)
      await this.link.close().catch(() => {})
    })()
    return this.closing
  }

  private fail(error: Error): void {
    if (this.failure !== undefined) return
    this.failure = error
    this.failedController.abort(error)
    this.stopHeartbeat()
    for (const waiter of [...this.waiters]) waiter.reject(error)
  }
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`
}
