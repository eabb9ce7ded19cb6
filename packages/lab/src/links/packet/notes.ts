import { formatCount } from '../../report/format.js'
import type { LabRun } from '../../runner/types.js'
import type { PacketLinkCounts } from './counts.js'
import type { PacketLinkDirection } from './frame-relay.js'

/** The lines under the table of a packet link run: what the link did, per run, and whose losses were whose. */
export function packetLinkNotes(runs: readonly LabRun[], direction: PacketLinkDirection): string[] {
  const notes = [
    `packet link: the kernel's own UDP and TCP between two network namespaces; every IP packet crosses the seeded impairer (${direction === 'both' ? 'both ways' : 'sender → receiver only'})`,
  ]
  for (const run of runs) {
    const counts = run.packetLink
    if (counts === undefined) continue
    notes.push(`${run.transport} link: ${describePacketLinkCounts(counts)}`)
  }
  return notes
}

/** What a packet link did to a run's frames, and what it lost itself, in one line. */
export function describePacketLinkCounts(counts: PacketLinkCounts): string {
  const { forward, backward } = counts
  const parts = [`${formatCount(forward.frames)} frames →, ${formatCount(backward.frames)} ←`]
  const add = (count: number, text: string): void => {
    if (count > 0) parts.push(`${formatCount(count)} ${text}`)
  }
  add(forward.lost + backward.lost, 'lost by the impairment')
  add(forward.queueDrops + backward.queueDrops, 'dropped by the rate limit queue')
  add(forward.duplicated + backward.duplicated, 'duplicated')
  add(forward.reordered + backward.reordered, 'reordered')
  add(forward.corrupted + backward.corrupted, 'corrupted')
  add(
    counts.udpChecksumErrors + counts.tcpChecksumErrors,
    'dropped by the receiving kernel for a bad checksum',
  )
  add(counts.receiverBufferDrops, "dropped by the receiver's socket buffer")
  const tcp = counts.tcpKernel
  add(
    tcp.RetransSegs,
    `TCP segments retransmitted by the kernel (${formatCount(tcp.TCPFastRetrans)} fast, ${formatCount(tcp.TCPTimeouts)} timeouts)`,
  )
  add(tcp.TCPDSACKOldSent + tcp.TCPDSACKOfoSent, 'duplicate TCP segments reported (D-SACK)')
  add(tcp.TCPSACKReorder + tcp.TCPTSReorder, 'TCP reorderings detected')
  parts.push(
    counts.pathDrops === 0
      ? 'the link itself dropped none'
      : `the link itself dropped ${formatCount(counts.pathDrops)} (${formatCount(counts.socketDrops)} in its socket buffers)`,
  )
  return parts.join(', ')
}
