import type { LabFlowsRun, LabImpairment } from '@protolab/lab'

/** The third act's bottleneck: 20 Mbit/s with a 100-packet drop-tail queue, as a small router has. */
export const BOTTLENECK: LabImpairment = { rateLimitBytesPerSec: 2_500_000, queuePackets: 100 }
/** One UDP flow above the bottleneck's rate, next to one TCP flow, for a few seconds. */
export const BOTTLENECK_FLOWS = [
  { id: 1, transport: 'udp', rate: { bitsPerSec: 30_000_000 } },
  { id: 2, transport: 'tcp', rate: undefined },
] as const
export const BOTTLENECK_RUN = { size: 1400, durationMs: 3000, seed: 1 } as const

const percent = (fraction: number): string => `${(fraction * 100).toFixed(0)}%`
const count = (value: number): string => Math.round(value).toLocaleString('en-US')

/** What happened to TCP next to UDP on the bottleneck, in one sentence computed from the run. */
export function readBottleneck(run: LabFlowsRun): string {
  const udp = run.flows.find((flow) => flow.transport === 'udp')
  const tcp = run.flows.find((flow) => flow.transport === 'tcp')
  if (udp === undefined || tcp === undefined) return 'The run had no UDP and TCP flow to compare.'
  const queued = tcp.linkDrops?.queue ?? 0
  const drops =
    queued > 0
      ? `each of the ${count(queued)} segments the full queue dropped told its congestion control to slow down (${count(tcp.retransmits ?? 0)} retransmitted)`
      : 'its congestion control slowed down as the queue filled'
  return `TCP got ${percent(tcp.share.ofDelivered)} of what crossed the link: ${drops}, while UDP, which has no congestion control, kept sending at 30 Mbit/s and lost ${percent(udp.sent === 0 ? 0 : udp.lost / udp.sent)} of its datagrams instead (${count(udp.lostBy?.linkQueue ?? 0)} of them in the full queue).`
}
