import type { Semantics } from '@protolab/core'

/** Where a listener binds when `bind.host` is not given: loopback, so nothing is exposed by accident. */
export const DEFAULT_LISTEN_HOST = '127.0.0.1'

/**
 * Default bytes of writes a connection may hold (in protolab's batch plus Node's socket buffer)
 * before `send()` waits for them to drain.
 */
export const DEFAULT_HIGH_WATER_MARK_BYTES = 1024 * 1024

/**
 * Bytes of received messages an endpoint holds for a reader that is not keeping up; past them it
 * stops reading its sockets until the reader has taken half. With the count limit alone, 4,096
 * messages of 16 MiB could be held.
 */
export const READ_AHEAD_BYTES = 8 * 1024 * 1024

/**
 * Small frames sent in one tick are gathered into one write of up to this many bytes, so a burst
 * of 1 KiB messages costs one syscall per batch instead of one per message.
 */
export const WRITE_BATCH_BYTES = 64 * 1024

/**
 * A payload this large is written without copying it (length and raw framing), and its `send()`
 * resolves once the kernel has taken it rather than when it is queued.
 */
export const LARGE_FRAME_BYTES = 16 * 1024

/**
 * During `close()`, a connection whose pending writes made no progress for this long (the peer
 * stopped reading) is destroyed, so close() always ends.
 */
export const CLOSE_TIMEOUT_MS = 2000

/** What TCP promises: every byte arrives, in order, over a connection, with no message boundaries of its own. */
export const TCP_SEMANTICS: Semantics = Object.freeze({
  reliable: true,
  ordered: true,
  messageBoundaries: false,
  connectionOriented: true,
})
