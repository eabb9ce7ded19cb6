import type { MessageRecords } from '@protolab/core'
import type { LabTrace, LabTransportName } from './types.js'

/**
 * The per-message trace of a run, from the sender's send times (ms after its first send) and the
 * counting side's records (ms after `originNs`, the send time of the first message that arrived).
 * A message is marked reordered when a higher sequence number arrived before it, found in one pass
 * from the highest sequence number down.
 */
export function buildTrace(
  transport: LabTransportName,
  sentAtMs: Float64Array,
  sent: number,
  startNs: number,
  records: MessageRecords | undefined,
  originNs: number,
): LabTrace {
  const arrivedAtMs = new Float64Array(sent).fill(Number.NaN)
  const copies = new Uint8Array(sent)
  const reordered = new Uint8Array(sent)
  if (records !== undefined) {
    const shiftMs = (originNs - startNs) / 1e6
    const known = Math.min(sent, records.count)
    for (let seq = 0; seq < known; seq++) {
      copies[seq] = records.copies[seq] ?? 0
      if (copies[seq] !== 0) arrivedAtMs[seq] = (records.arrivalMs[seq] ?? Number.NaN) + shiftMs
    }
    let earliestLaterArrival = Number.POSITIVE_INFINITY
    for (let seq = known - 1; seq >= 0; seq--) {
      const arrived = arrivedAtMs[seq] ?? Number.NaN
      if (Number.isNaN(arrived)) continue
      if (arrived > earliestLaterArrival) reordered[seq] = 1
      else earliestLaterArrival = arrived
    }
  }
  return { transport, count: sent, sentAtMs: sentAtMs.subarray(0, sent), arrivedAtMs, copies, reordered }
}
