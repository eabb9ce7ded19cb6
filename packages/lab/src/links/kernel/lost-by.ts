import { attributeLoss } from '@protolab/core'
import type { LabRun } from '../../runner/types.js'
import { labTransport } from '../../transports/registry.js'

/** The UDP datagrams the kernel link's loss rule dropped, per namespace of arrival. */
export interface KernelUdpDrops {
  /** Dropped arriving in the receiver's namespace (forward data, reverse echoes). */
  readonly toReceiver: number
  /** Dropped arriving in the sender's namespace (reverse data, forward echoes). */
  readonly toSender: number
}

/**
 * The runs with the impairment's UDP drops in their `lostBy`. A datagram run's data crosses one
 * way (forward: into the receiver's namespace; reverse: into the sender's) and, round trip, its
 * echoes the other way. A namespace's counter is given to a run only when no other datagram run
 * crossed into it, since the counter cannot tell runs apart; then those losses stay `unknown`.
 */
export function withKernelUdpDrops(runs: readonly LabRun[], drops: KernelUdpDrops): LabRun[] {
  const ways = (run: LabRun): (keyof KernelUdpDrops)[] => {
    const data: keyof KernelUdpDrops = run.direction === 'reverse' ? 'toSender' : 'toReceiver'
    const back: keyof KernelUdpDrops = data === 'toSender' ? 'toReceiver' : 'toSender'
    return run.mode === 'rtt' ? [data, back] : [data]
  }
  const datagram = (run: LabRun): boolean => !labTransport(run.transport).semantics.connectionOriented
  const users = new Map<keyof KernelUdpDrops, number>()
  for (const run of runs.filter(datagram))
    for (const way of ways(run)) users.set(way, (users.get(way) ?? 0) + 1)
  return runs.map((run) => {
    if (!datagram(run) || run.lostBy === undefined) return run
    const mine = ways(run)
    if (mine.some((way) => users.get(way) !== 1)) return run
    const impairment = mine.reduce((sum, way) => sum + drops[way], 0)
    const { lostBy } = run
    return {
      ...run,
      lostBy: attributeLoss(run.lost, {
        sender: lostBy.sender,
        impairment,
        linkQueue: lostBy.linkQueue,
        receiverBuffer: lostBy.receiverBuffer,
      }),
    }
  })
}
