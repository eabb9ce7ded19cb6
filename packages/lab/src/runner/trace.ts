import type { MessageRecords } from '@protolab/core'
import type { LabTrace, LabTransportName } from './types.js'

/**
 * The per-message trace of a run, from the sender's send times (ms after its first send) and the
 * counting side's records (ms after `originNs`, the send time of the first message that arrived;
 * reordered as RFC 4737 counts it).
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
    copies.set(records.copies.subarray(0, known))
    reordered.set(records.reordered.subarray(0, known))
    for (let seq = 0; seq < known; seq++) {
      if (copies[seq] !== 0) arrivedAtMs[seq] = (records.arrivalMs[seq] ?? Number.NaN) + shiftMs
    }
  }
  return { transport, count: sent, sentAtMs: sentAtMs.subarray(0, sent), arrivedAtMs, copies, reordered }
}
