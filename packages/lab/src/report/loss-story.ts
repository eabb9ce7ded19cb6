import type { LostBy } from '@protolab/core'
import type { LabFlowRun } from '../runner/flow-types.js'
import type { LabRun } from '../runner/types.js'
import { formatCount, formatPercent } from './format.js'

/** The places of {@link LostBy}, in the words of a sentence: `2,007 by the impairment`. */
const PLACES: readonly (readonly [keyof LostBy, string])[] = [
  ['impairment', 'by the impairment'],
  ['linkQueue', "in the link's queue or the relay's socket buffer"],
  ['receiverBuffer', "in the receiver's socket buffer"],
  ['sender', "refused by the sender's kernel"],
  ['unknown', 'not accounted for by any counter'],
]

/**
 * Where a run's losses went, in one line, or undefined when it lost nothing:
 * `lost 5,648 (28.2%): 2,007 by the impairment, 3,641 in the receiver's socket buffer`.
 * Off Linux the kernel's socket counters cannot be read, and the line says so.
 */
export function describeLoss(
  run: Pick<LabRun, 'lost' | 'sent' | 'lostBy'>,
  platform: NodeJS.Platform = process.platform,
): string | undefined {
  if (run.lost === 0) return undefined
  const head = `lost ${formatCount(run.lost)} (${formatPercent(run.lost, run.sent)})`
  const lostBy = run.lostBy
  if (lostBy === undefined) return `${head}: not attributed (the run came from an older protolab)`
  const parts = PLACES.filter(([place]) => lostBy[place] > 0).map(
    ([place, words]) => `${formatCount(lostBy[place])} ${words}`,
  )
  const unread =
    lostBy.unknown > 0 && platform !== 'linux' ? ' (socket drops are read from Linux kernels only)' : ''
  return `${head}: ${parts.join(', ')}${unread}`
}

/**
 * What held a TCP run up, in one line, or undefined when nothing did: the kernel's retransmits
 * where it gave them, the relay's modelled segment losses and stalls, and the stalls seen.
 */
export function describeTcpDelays(run: LabRun): string | undefined {
  if (run.transport !== 'tcp') return undefined
  const parts: string[] = []
  if (run.retransmits !== undefined && run.retransmits > 0) {
    parts.push(`${formatCount(run.retransmits)} segments retransmitted by the kernel`)
  }
  const relay = run.tcpRelay
  if (relay !== undefined && relay.lostSegments > 0) {
    parts.push(
      `${formatCount(relay.lostSegments)} segments lost (modelled: each held up the stream for one RTO)`,
    )
  }
  if (relay !== undefined && relay.stalls > 0)
    parts.push(`${formatCount(relay.stalls)} stalls made by the relay`)
  if (parts.length === 0 && run.stalls === 0) return undefined
  const stalls = `${formatCount(run.stalls)} ${run.stalls === 1 ? 'stall' : 'stalls'} seen`
  return parts.length === 0 ? stalls : `${stalls}: ${parts.join(', ')}`
}

/**
 * What the link did to one flow of a run of flows, in one line, or undefined when nothing is
 * known or nothing happened: where its lost messages went, and for TCP, which of its segments
 * the link dropped (the kernel sent them again, so they cost time, not messages).
 */
export function describeFlowLoss(flow: LabFlowRun): string | undefined {
  const name = `flow ${flow.id} ${flow.transport}`
  if (flow.lost > 0 && flow.lostBy !== undefined) return `${name}: ${describeLoss(flow)}`
  const drops = flow.linkDrops
  if (flow.transport !== 'tcp' || drops === undefined || drops.impairment + drops.queue === 0)
    return undefined
  const where = [
    drops.queue > 0 ? `${formatCount(drops.queue)} in the bottleneck queue` : '',
    drops.impairment > 0 ? `${formatCount(drops.impairment)} by the impairment` : '',
  ].filter((part) => part !== '')
  return `${name}: the link dropped ${formatCount(drops.impairment + drops.queue)} of its segments (${where.join(', ')}); the kernel sent them again`
}
