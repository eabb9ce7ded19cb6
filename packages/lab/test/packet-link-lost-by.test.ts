import { describe, expect, it } from 'vitest'
import type { PacketLinkCounts } from '../src/links/packet/counts.js'
import type { FrameCounts } from '../src/links/packet/frame-relay.js'
import { TCP_WORK_FIELDS, type TcpWorkField } from '../src/links/packet/kernel-counters.js'
import { withPacketLinkLosses } from '../src/links/packet/lost-by.js'
import type { LabRun } from '../src/runner/types.js'
import { syntheticRun } from './report-fixtures.js'

function frames(lost: number, queueDrops = 0): FrameCounts {
  return {
    frames: 1000,
    forwarded: 1000 - lost - queueDrops,
    lost,
    queueDrops,
    duplicated: 0,
    reordered: 0,
    corrupted: 0,
    unimpaired: 0,
    bytes: 0,
  }
}

function counts(change: Partial<PacketLinkCounts> = {}): PacketLinkCounts {
  const tcpKernel = Object.fromEntries(TCP_WORK_FIELDS.map((field) => [field, 0])) as Record<
    TcpWorkField,
    number
  >
  return {
    direction: 'both',
    forward: frames(60, 10),
    backward: frames(20, 5),
    ports: [],
    pathDrops: 0,
    socketDrops: 0,
    udpChecksumErrors: 0,
    tcpChecksumErrors: 0,
    tcpKernel,
    receiverBufferDrops: 0,
    ...change,
  }
}

/** A run whose counting side explained only its socket buffer's drops. */
function run(transport: 'udp' | 'tcp', mode: 'oneway' | 'rtt', lost = 100): LabRun {
  return syntheticRun(transport, {
    mode,
    sent: 1000,
    delivered: 1000 - lost,
    lost,
    lostBy: { impairment: 0, linkQueue: 0, receiverBuffer: 3, sender: 1, unknown: lost - 4 },
  })
}

describe("the packet link's counts in lostBy", () => {
  it('one way: each data frame the impairment dropped is a message it lost; queue drops are the link queue', () => {
    expect(withPacketLinkLosses(run('udp', 'oneway'), counts()).lostBy).toEqual({
      impairment: 60,
      linkQueue: 10,
      receiverBuffer: 3,
      sender: 1,
      unknown: 26,
    })
  })

  it("round trip: the echoes' frames count too, corrupted datagrams the kernel dropped are the impairment's", () => {
    const lostBy = withPacketLinkLosses(
      run('udp', 'rtt'),
      counts({ udpChecksumErrors: 4, pathDrops: 2 }),
    ).lostBy
    // 1 + 84 + 17 pass the 100 lost: the link queue gets what is left, in attributeLoss order.
    expect(lostBy).toEqual({ impairment: 84, linkQueue: 15, receiverBuffer: 0, sender: 1, unknown: 0 })
  })

  it('never gives more than was lost (fragments above the MTU are several frames per message)', () => {
    const lostBy = withPacketLinkLosses(run('udp', 'oneway', 40), counts()).lostBy!
    expect(lostBy).toEqual({ impairment: 39, linkQueue: 0, receiverBuffer: 0, sender: 1, unknown: 0 })
    expect(Object.values(lostBy).reduce((sum, value) => sum + value, 0)).toBe(40)
  })

  it('leaves TCP as it was: the kernel recovered what the link dropped', () => {
    const tcp = run('tcp', 'oneway', 0)
    expect(withPacketLinkLosses(tcp, counts())).toBe(tcp)
  })
})
