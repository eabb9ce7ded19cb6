import type { Semantics } from '@protolab/core'

/** What KCP promises in message mode: every message, in order, whole, over a session a dialer starts. */
export const KCP_SEMANTICS: Semantics = Object.freeze({
  reliable: true,
  ordered: true,
  messageBoundaries: true,
  connectionOriented: true,
})

/** What KCP promises in stream mode: the same, except that writes are merged and cut into segments. */
export const KCP_STREAM_SEMANTICS: Semantics = Object.freeze({
  reliable: true,
  ordered: true,
  messageBoundaries: false,
  connectionOriented: true,
})

/** kcp-go reads datagrams into buffers of this many bytes (its `mtuLimit`): a larger mtu would be cut. */
export const MAX_MTU = 1500

/** ikcp refuses an mtu below this (`ikcp_setmtu`). */
export const MIN_MTU = 50

/** ikcp's and kcp-go's mtu (IKCP_MTU_DEF): 1400 bytes of KCP per datagram. */
export const DEFAULT_MTU = 1400

/** The default send window in segments: kcptun's (ikcp's own is 32, too few for a 64 KiB message). */
export const DEFAULT_SNDWND = 128

/** The default receive window in segments: ikcp's IKCP_WND_RCV, enough for a message of 128 × 1376 bytes. */
export const DEFAULT_RCVWND = 128

/** Sessions a listener keeps at once by default; datagrams opening more are dropped and counted. */
export const DEFAULT_MAX_CONNECTIONS = 256

/** A session that heard nothing, or saw no ACK for data in flight, for this long ends with ERR_TIMEOUT. */
export const DEFAULT_IDLE_TIMEOUT_MS = 30_000

/** `close()` waits at most this long for the peer to acknowledge what was sent. */
export const DEFAULT_CLOSE_TIMEOUT_MS = 5_000

/** Received messages an endpoint holds for a reader that is not keeping up; then windows close. */
export const DEFAULT_MAX_QUEUED_MESSAGES = 4096

/** Bytes of received messages an endpoint holds for a slow reader before it stops draining sessions. */
export const READ_AHEAD_BYTES = 8 * 1024 * 1024

/** Where a listener binds when `bind.host` is not given: loopback, so nothing is exposed by accident. */
export const DEFAULT_LISTEN_HOST = '127.0.0.1'
