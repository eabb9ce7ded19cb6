import type { Readable, Writable } from 'node:stream'

/**
 * Everything a command may touch of the outside world. `bin.ts` builds it from `process`; a test
 * or an embedding program builds it from its own streams, so commands never read `process`.
 */
export interface CliIO {
  /** Where results go (messages received, tables, JSON). */
  readonly stdout: Writable
  /** Where diagnostics go (errors, hints, "listening on ..."). */
  readonly stderr: Writable
  /** What the user types or pipes in. */
  readonly stdin: Readable
  /** Which of the three streams are terminals: a prompt and progress bars only make sense there. */
  readonly isTTY: { readonly stdin: boolean; readonly stdout: boolean; readonly stderr: boolean }
  /** Environment variables (`PROTOLAB_DEBUG=1` prints stack traces of unexpected errors). */
  readonly env: Readonly<Record<string, string | undefined>>
  /** Aborted on SIGINT or SIGTERM: a command stops, flushes and closes what it opened, then returns. */
  readonly signal: AbortSignal
}

/** Writes one line (a newline is added) to a stream of `io`. */
export function writeLine(stream: Writable, line: string): void {
  stream.write(`${line}\n`)
}

/**
 * Writes `data` (text or bytes) to `stream` and, when the stream's buffer is full, waits until it
 * drains, so a slow reader (a pipe, a terminal) slows the command down instead of filling memory.
 */
export async function writeAndDrain(stream: Writable, data: string | Uint8Array): Promise<void> {
  if (stream.write(data)) return
  await new Promise<void>((resolve) => {
    const done = (): void => {
      stream.off('drain', done)
      stream.off('close', done)
      stream.off('error', done)
      resolve()
    }
    stream.on('drain', done)
    stream.on('close', done)
    stream.on('error', done)
  })
}
