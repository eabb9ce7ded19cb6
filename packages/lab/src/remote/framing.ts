import { type Framing, lineFraming } from '@protolab/core'

/**
 * The control channel's framing: text lines, as core's `line` framing, but with a limit on what is
 * received only. The transport's own `maxFrameBytes` bounds both directions; here a server takes
 * small lines from clients yet sends back results that may run to megabytes (per-message records).
 */
export function controlFraming(maxReceivedLineBytes: number): Framing {
  return {
    name: 'line',
    overheadBytes: lineFraming.overheadBytes,
    encode: (payload) => lineFraming.encode(payload),
    createDecoder: () => lineFraming.createDecoder({ maxFrameBytes: maxReceivedLineBytes }),
  }
}

/** The longest line either side sends: results with per-message records of a 16M-message run fit. */
export const MAX_SENT_LINE_BYTES = 1024 * 1024 * 1024
