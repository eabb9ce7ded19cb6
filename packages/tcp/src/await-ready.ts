import type { EventEmitter } from 'node:events'
import type { Socket } from 'node:net'
import { AbortError, type ProtolabError } from '@protolab/core'

/** What {@link awaitReady} does at each outcome. */
export interface ReadyHandlers<T> {
  /** Builds the result once the ready event came; runs while our 'error' handler is still attached. */
  readonly ready: () => T
  /** The typed error to reject with when the emitter reports one before it is ready. */
  readonly failure: (error: Error) => ProtolabError
  /** Releases the socket or server after a failure or an abort. */
  readonly discard: () => void
}

/**
 * Waits for `emitter` to emit `event` ('connect', 'listening'), failing on its first 'error' or when
 * `signal` aborts; every listener it added is removed whatever happens.
 *
 * @throws AbortError when `signal` aborts first, or what `handlers.failure` makes of an 'error'
 */
export function awaitReady<T>(
  emitter: EventEmitter,
  event: string,
  signal: AbortSignal | undefined,
  handlers: ReadyHandlers<T>,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const done = (): void => {
      emitter.off(event, onReady)
      emitter.off('error', onError)
      signal?.removeEventListener('abort', onAbort)
    }
    const onReady = (): void => {
      const result = handlers.ready()
      done()
      resolve(result)
    }
    const onError = (error: Error): void => {
      done()
      handlers.discard()
      reject(handlers.failure(error))
    }
    const onAbort = (): void => {
      done()
      handlers.discard()
      reject(new AbortError())
    }
    emitter.on(event, onReady)
    emitter.on('error', onError)
    signal?.addEventListener('abort', onAbort)
  })
}

/** Closes a socket we will not use; a reset it may still report is of no interest. */
export function dropSocket(socket: Socket): void {
  socket.on('error', () => {})
  socket.destroy()
}
