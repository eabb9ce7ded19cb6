import { describe, expect, it } from 'vitest'
import { withKernelUdpDrops } from '../src/links/kernel/lost-by.js'
import type { LabRun } from '../src/runner/types.js'
import { syntheticRun } from './report-fixtures.js'

const unexplained = (lost: number) => ({
  impairment: 0,
  linkQueue: 0,
  receiverBuffer: 3,
  sender: 0,
  unknown: lost - 3,
})

function run(transport: 'udp' | 'tcp', direction: 'forward' | 'reverse', mode: 'oneway' | 'rtt'): LabRun {
  return syntheticRun(transport, {
    direction,
    mode,
    sent: 1000,
    delivered: 900,
    lost: 100,
    lostBy: unexplained(100),
  })
}

describe("the kernel link's UDP drops in lostBy", () => {
  it('gives each one-way run the counter of the namespace its data arrived in', () => {
    const [forward, reverse] = withKernelUdpDrops(
      [run('udp', 'forward', 'oneway'), run('udp', 'reverse', 'oneway')],
      {
        toReceiver: 90,
        toSender: 97,
      },
    )
    expect(forward?.lostBy).toEqual({
      impairment: 90,
      linkQueue: 0,
      receiverBuffer: 3,
      sender: 0,
      unknown: 7,
    })
    expect(reverse?.lostBy).toEqual({
      impairment: 97,
      linkQueue: 0,
      receiverBuffer: 3,
      sender: 0,
      unknown: 0,
    })
  })

  it('adds both ways for a round-trip run, and never more than was lost', () => {
    const [rtt] = withKernelUdpDrops([run('udp', 'forward', 'rtt')], { toReceiver: 60, toSender: 50 })
    expect(rtt?.lostBy).toEqual({ impairment: 100, linkQueue: 0, receiverBuffer: 0, sender: 0, unknown: 0 })
  })

  it('leaves TCP runs, and runs that share a counter, as they were', () => {
    const runs = [run('udp', 'forward', 'rtt'), run('udp', 'reverse', 'rtt'), run('tcp', 'forward', 'oneway')]
    expect(withKernelUdpDrops(runs, { toReceiver: 60, toSender: 50 })).toEqual(runs)
  })
})
