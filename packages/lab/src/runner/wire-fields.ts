import type { LabWireCounts } from '../transports/lab-transport.js'
import type { LabRun } from './types.js'

/**
 * The JSON fields of what a run's sender put on the wire: `wireBytes`, `wireOverhead` (wire bytes
 * over the payload bytes of the messages sent; absent with no payload) and `retransmits`, each
 * absent when the transport could not tell it.
 */
export function wireFields(
  counts: LabWireCounts,
  sent: number,
  payloadBytes: number,
): Pick<LabRun, 'wireBytes' | 'wireOverhead' | 'retransmits'> {
  const payload = sent * payloadBytes
  return {
    ...(counts.wireBytes === undefined ? {} : { wireBytes: counts.wireBytes }),
    ...(counts.wireBytes === undefined || payload === 0
      ? {}
      : { wireOverhead: Math.round((counts.wireBytes / payload) * 1000) / 1000 }),
    ...(counts.retransmits === undefined ? {} : { retransmits: counts.retransmits }),
  }
}
