import type { LabInterval } from '@protolab/core'
import type { LabTransportName } from '@protolab/lab'
import { intervalHeader, intervalLine } from '@protolab/lab/report'
import type { CliIO } from '../io.js'

/**
 * Prints each interval of a two-sided run (`lab run`, the kernel link) on stdout as it comes,
 * under a heading per transport: of a flow this side sent, with what it sent; of one it counted,
 * '-' for sent (the other side's to know).
 */
export function printTwoSidedInterval(
  io: CliIO,
): (transport: LabTransportName, interval: LabInterval, direction: 'forward' | 'reverse') => void {
  let heading: string | undefined
  return (transport, interval, direction) => {
    if (heading !== transport) {
      heading = transport
      io.stdout.write(`${intervalHeader(transport)}\n`)
    }
    io.stdout.write(
      `${intervalLine(direction === 'forward' ? interval : { ...interval, sent: Number.NaN })}\n`,
    )
  }
}
