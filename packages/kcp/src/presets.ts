/** The four knobs of `ikcp_nodelay` / kcp-go's `SetNoDelay`. */
export interface NoDelayKnobs {
  /** Minimum RTO 30 ms instead of 100, and resend timeouts growing ×1.5 instead of ×2. */
  readonly nodelay: boolean
  /** Milliseconds between internal flushes (ACKs, resends), 10-5000. */
  readonly interval: number
  /** Fast resend after this many ACKs skipped a segment; 0 = off. */
  readonly resend: number
  /** No congestion control: only the send and receive windows limit sending. */
  readonly nc: boolean
}

/**
 * The named modes of kcp-go's companion kcptun (`--mode`), by xtaci, kcp-go's author:
 * `SetNoDelay(nodelay, interval, resend, nc)`. `default` is what ikcp and kcp-go do untouched.
 */
export const PRESETS = Object.freeze({
  default: { nodelay: false, interval: 100, resend: 0, nc: false },
  normal: { nodelay: false, interval: 40, resend: 2, nc: true },
  fast: { nodelay: false, interval: 30, resend: 2, nc: true },
  fast2: { nodelay: true, interval: 20, resend: 2, nc: true },
  fast3: { nodelay: true, interval: 10, resend: 2, nc: true },
} satisfies Record<string, NoDelayKnobs>)

/** A preset's name: `default`, `normal`, `fast`, `fast2` or `fast3`. */
export type KcpPreset = keyof typeof PRESETS

/** The preset used when none is named. */
export const DEFAULT_PRESET: KcpPreset = 'fast'
