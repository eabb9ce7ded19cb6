import { monotonicMs } from '@protolab/core'

/** KCP's clock: monotonic milliseconds on 32 bits, wrapping as ikcp's `IUINT32` does. */
export function kcpNow(): number {
  return Math.floor(monotonicMs()) >>> 0
}
