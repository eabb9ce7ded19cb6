import type { LabTrace } from '../runner/types.js'

/**
 * What happened to one message: `lost` (never arrived), `reordered` (arrived after a higher
 * sequence number), `duplicated` (arrived more than once, in order), `delivered` (once, in order).
 * A message both reordered and duplicated is `reordered`; its copies column still says how many came.
 */
export type MessageStatus = 'delivered' | 'lost' | 'reordered' | 'duplicated'

/** The status of message `seq` in a trace. */
export function messageStatus(trace: LabTrace, seq: number): MessageStatus {
  const copies = trace.copies[seq] ?? 0
  if (copies === 0) return 'lost'
  if (trace.reordered[seq] === 1) return 'reordered'
  return copies > 1 ? 'duplicated' : 'delivered'
}
