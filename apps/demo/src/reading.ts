import type { LabRun } from '@protolab/lab'

const count = (value: number): string => Math.round(value).toLocaleString('en-US')
const percent = (part: number, whole: number): string =>
  whole === 0 ? '0%' : `${((part / whole) * 100).toFixed(1)}%`
const ms = (value: number): string => (value < 10 ? `${value.toFixed(1)} ms` : `${count(value)} ms`)
const plural = (n: number, one: string, many: string): string => `${count(n)} ${n === 1 ? one : many}`

/** What one run's numbers say, in a sentence or two. */
export function readRun(run: LabRun): string {
  const name = run.transport.toUpperCase()
  const delivered =
    run.delivered === run.sent
      ? `${name} delivered all ${count(run.sent)} messages`
      : `${name} delivered ${count(run.delivered)} of ${count(run.sent)} messages (${percent(run.delivered, run.sent)}); ${count(run.lost)} never arrived`
  const troubles: string[] = []
  if (run.reordered > 0) {
    troubles.push(
      `${count(run.reordered)} arrived out of order (up to ${plural(run.maxReorderExtent, 'place', 'places')} late)`,
    )
  }
  if (run.duplicates > 0) troubles.push(`${plural(run.duplicates, 'extra copy', 'extra copies')} came`)
  if (run.corrupted > 0) troubles.push(`${plural(run.corrupted, 'was', 'were')} damaged`)
  const shape =
    troubles.length > 0
      ? `, ${troubles.join(', ')}`
      : run.delivered === run.sent
        ? ', each once and in order'
        : ', the rest once and in order'
  const stalls = run.stalls > 0 ? ` Arrivals stalled ${plural(run.stalls, 'time', 'times')}.` : ''
  return `${delivered}${shape}. Latency: half within ${ms(run.latencyMs.p50)}, 99% within ${ms(run.latencyMs.p99)}.${stalls}`
}

/**
 * The demo's plain reading of a lab report, computed from its numbers: what each transport did,
 * and for UDP and TCP together what the difference means.
 */
export function readRuns(runs: readonly LabRun[]): string[] {
  const lines = runs.map(readRun)
  const udp = runs.find((run) => run.transport === 'udp')
  const tcp = runs.find((run) => run.transport === 'tcp')
  if (udp !== undefined) {
    const jitter = jitterOverReorder(udp)
    if (jitter !== undefined) lines.push(jitter)
  }
  if (udp !== undefined && udp.lost + udp.reordered + udp.duplicates > 0) {
    lines.push(
      "UDP hands each datagram over as it comes: no retransmission, no reordering buffer. Gaps, order and duplicates are the application's to handle.",
    )
  }
  if (tcp !== undefined && tcp.lost === 0 && tcp.reordered === 0 && tcp.duplicates === 0) {
    const kernel = tcp.link === 'packet'
    const why = kernel
      ? ', because a lost segment holds up every byte behind it until the kernel retransmits it'
      : tcp.modelled === undefined
        ? ''
        : ', because a lost segment holds up every byte behind it until it is retransmitted (modelled here as Linux TCP recovers it: about a round trip, an RTO when a retransmission is lost too)'
    const paid =
      udp !== undefined && tcp.latencyMs.p99 > udp.latencyMs.p99 * 1.2
        ? ` It paid in time instead: its 99th-percentile latency was ${ms(tcp.latencyMs.p99)} against UDP's ${ms(udp.latencyMs.p99)}${why}.`
        : ''
    lines.push(
      `TCP gave the application every byte, once and in order, whatever the ${kernel ? 'link' : 'relay'} did.${paid}`,
    )
    const recovery = kernelRecovery(tcp)
    if (recovery !== undefined) lines.push(recovery)
  }
  return lines
}

/**
 * On the packet link, TCP's recovery is the kernel's, measured: the sender's retransmissions from
 * `ss`, and how the kernel recovered (its fast retransmits and timeouts, from the namespaces' counters).
 */
function kernelRecovery(run: LabRun): string | undefined {
  if (run.link !== 'packet' || run.retransmits === undefined) return undefined
  const work = run.packetLink?.tcpKernel
  const how =
    work === undefined
      ? ''
      : `: ${plural(work.TCPFastRetrans, 'fast retransmit', 'fast retransmits')} (about one round trip, once later segments are acknowledged) and ${plural(work.TCPTimeouts, 'timeout', 'timeouts')} (an RTO of at least 200 ms, when a retransmission or the tail of a burst was lost)`
  const rtt = run.rttMs === undefined ? '' : ` Its smoothed round trip was ${ms(run.rttMs)}.`
  return `This was the kernel's own TCP, not a model: its sender retransmitted ${plural(run.retransmits, 'segment', 'segments')} (read with ss)${how}.${rtt}`
}

/**
 * When far more UDP messages arrived out of order than the relay held back, the varying delay
 * did it: each datagram gets its own delay, so a later one overtakes an earlier one, as on a real
 * network (and in netem).
 */
function jitterOverReorder(run: LabRun): string | undefined {
  const impairment = run.impairment as { reorder?: number; jitterMs?: number; delayMs?: number } | null
  const jitterMs = impairment?.jitterMs ?? 0
  if (jitterMs === 0) return undefined
  const held = Math.round((impairment?.reorder ?? 0) * run.sent)
  if (run.reordered <= 2 * held) return undefined
  const spacingMs = run.durationMs / Math.max(1, run.sent)
  const heldNote = held > 0 ? ` (which held back about ${count(held)})` : ''
  return `Most of UDP's reordering comes from the jitter, not from the relay's reordering${heldNote}: each datagram gets its own delay of ${impairment?.delayMs ?? 0}±${jitterMs} ms, and with one sent every ${ms(spacingMs)} a later one often overtakes an earlier one, as on a real network.`
}
