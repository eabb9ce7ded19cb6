import {
  createEnvelopeBuffer,
  createRandom,
  type DatagramDecision,
  DatagramImpairer,
  type DatagramImpairment,
  describeDatagramImpairment,
  GilbertLoss,
  HoldQueue,
  InvalidArgumentError,
  readEnvelope,
  writeEnvelope,
} from '@protolab/core'
import { describe, expect, it } from 'vitest'

function decisions(
  impairment: DatagramImpairment,
  seed: number,
  count: number,
  length = 100,
): DatagramDecision[] {
  const impairer = new DatagramImpairer({ impairment, seed })
  return Array.from({ length: count }, (_, i) => impairer.decide(length, i))
}

/** Binomial(n, p) stays within 5 standard deviations of n·p (fails about once in 1.7 million). */
function expectBinomial(count: number, n: number, p: number): void {
  const sd = Math.sqrt(n * p * (1 - p))
  expect(Math.abs(count - n * p)).toBeLessThanOrEqual(5 * sd)
}

function lossRuns(lost: readonly boolean[]): number[] {
  const runs: number[] = []
  let run = 0
  for (const l of lost) {
    if (l) run++
    else if (run > 0) {
      runs.push(run)
      run = 0
    }
  }
  if (run > 0) runs.push(run)
  return runs
}

const mean = (values: readonly number[]) => values.reduce((a, b) => a + b, 0) / values.length

describe('datagram impairment: loss', () => {
  it('loses p of the datagrams, within a 5-sigma binomial bound', () => {
    for (const seed of [1, 2, 3]) {
      const n = 20_000
      const lost = decisions({ loss: 0.1 }, seed, n).filter((d) => d.drop === 'loss').length
      expectBinomial(lost, n, 0.1)
    }
  })

  it('repeats exactly with the same seed, and differs with another', () => {
    const all: DatagramImpairment = {
      loss: 0.1,
      duplicate: 0.05,
      reorder: 0.05,
      delayMs: 10,
      jitterMs: 5,
      corrupt: 0.02,
    }
    expect(decisions(all, 7, 2000)).toEqual(decisions(all, 7, 2000))
    expect(decisions(all, 7, 2000)).not.toEqual(decisions(all, 8, 2000))
  })

  it('picks the same datagrams to lose whatever the other impairments are', () => {
    const lost = (impairment: DatagramImpairment) =>
      decisions(impairment, 5, 5000).map((decision) => decision.drop === 'loss')
    expect(lost({ loss: 0.2, duplicate: 0.3, jitterMs: 4, corrupt: 0.1 })).toEqual(lost({ loss: 0.2 }))
  })

  it('gilbert loses the same share in longer bursts than random loss', () => {
    const n = 200_000
    const random = decisions({ loss: 0.1 }, 11, n).map((d) => d.drop === 'loss')
    const gilbert = decisions({ loss: 0.1, lossModel: 'gilbert', lossBurst: 4 }, 11, n).map(
      (d) => d.drop === 'loss',
    )
    const share = gilbert.filter(Boolean).length / n
    // Bursts make the count far more variable than a binomial one; 200,000 decisions hold it near 10%.
    expect(share).toBeGreaterThan(0.09)
    expect(share).toBeLessThan(0.11)
    const gilbertBurst = mean(lossRuns(gilbert))
    const randomBurst = mean(lossRuns(random))
    expect(randomBurst).toBeCloseTo(1 / 0.9, 1) // geometric: 1 / (1 − p)
    expect(gilbertBurst).toBeGreaterThan(3.5) // geometric with mean 1 / r = 4
    expect(gilbertBurst).toBeLessThan(4.5)
  })

  it('derives the Gilbert transition probabilities from the loss and the burst length', () => {
    const model = new GilbertLoss(0.2, 5, createRandom(1))
    expect(model.r).toBeCloseTo(0.2)
    expect(model.p / (model.p + model.r)).toBeCloseTo(0.2)
    expect(() => new GilbertLoss(0.9, 2, createRandom(1))).toThrow(InvalidArgumentError)
  })
})

describe('datagram impairment: duplicate, reorder, delay, corrupt', () => {
  it('duplicates p of the datagrams', () => {
    const n = 20_000
    const doubled = decisions({ duplicate: 0.05 }, 3, n).filter((d) => d.copies === 2).length
    expectBinomial(doubled, n, 0.05)
  })

  it('holds back p of the datagrams for the configured gap', () => {
    const n = 20_000
    const held = decisions({ reorder: 0.02, reorderGap: 5 }, 3, n).filter((d) => d.holdForPackets > 0)
    expectBinomial(held.length, n, 0.02)
    expect(held.every((d) => d.holdForPackets === 5)).toBe(true)
  })

  it('delays uniformly within delay ± jitter, never below 0', () => {
    const delays = decisions({ delayMs: 10, jitterMs: 5 }, 3, 10_000).map((d) => d.delayMs)
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(5)
    expect(Math.max(...delays)).toBeLessThanOrEqual(15)
    expect(mean(delays)).toBeCloseTo(10, 0)
    const cut = decisions({ delayMs: 2, jitterMs: 10 }, 3, 10_000).map((d) => d.delayMs)
    expect(Math.min(...cut)).toBe(0)
    expect(Math.max(...cut)).toBeLessThanOrEqual(12)
  })

  it('flips one byte after the envelope magic, which the CRC catches', () => {
    const impairer = new DatagramImpairer({ impairment: { corrupt: 1 }, seed: 9 })
    const buffer = createEnvelopeBuffer(40)
    for (let seq = 0; seq < 500; seq++) {
      const length = writeEnvelope(buffer, { session: 3, seq, sentAtNs: seq }, 40)
      const decision = impairer.decide(length, seq)
      expect(decision.corruptAt).toBeGreaterThanOrEqual(4)
      expect(decision.corruptAt).toBeLessThan(length)
      expect(decision.corruptMask).toBeGreaterThanOrEqual(1)
      expect(decision.corruptMask).toBeLessThanOrEqual(255)
      const damaged = buffer.slice()
      damaged[decision.corruptAt]! ^= decision.corruptMask
      expect(readEnvelope(damaged, 3).kind).toBe('corrupt')
    }
    expect(impairer.decide(3, 0).corruptAt).toBeLessThan(3)
    expect(impairer.decide(0, 0).corruptAt).toBe(-1)
  })

  it('passes everything untouched without impairment', () => {
    const all = decisions({}, 1, 100)
    expect(
      all.every((d) => d.drop === undefined && d.copies === 1 && d.delayMs === 0 && d.corruptAt === -1),
    ).toBe(true)
  })
})

describe('datagram impairment: rate limit', () => {
  it('paces datagrams at the rate and drops what would queue past the limit', () => {
    const impairer = new DatagramImpairer({
      impairment: { rateLimitBytesPerSec: 100_000, queueLimitMs: 35 },
      seed: 1,
    })
    const burst = Array.from({ length: 6 }, () => impairer.decide(1000, 0))
    expect(burst.map((d) => d.drop ?? d.delayMs)).toEqual([0, 10, 20, 30, 'queue', 'queue'])
    // Once the queue has drained, datagrams go at once again.
    expect(impairer.decide(1000, 100).delayMs).toBe(0)
  })

  it('lets a burst of rateBurstBytes through at once (token bucket)', () => {
    const impairer = new DatagramImpairer({
      impairment: { rateLimitBytesPerSec: 100_000, rateBurstBytes: 3000 },
      seed: 1,
    })
    const delays = Array.from({ length: 6 }, () => impairer.decide(1000, 0).delayMs)
    expect(delays).toEqual([0, 0, 0, 0, 10, 20])
  })

  it('drops what finds queuePackets datagrams waiting (drop-tail), counting only those not yet gone', () => {
    const impairer = new DatagramImpairer({
      impairment: { rateLimitBytesPerSec: 100_000, queuePackets: 2 },
      seed: 1,
    })
    // The first leaves at once (not waiting); two may wait behind it; the fourth finds the queue full.
    const burst = Array.from({ length: 5 }, () => impairer.decide(1000, 0))
    expect(burst.map((d) => d.drop ?? d.delayMs)).toEqual([0, 10, 20, 'queue', 'queue'])
    // At 10 ms the second has left: one waits, so one more fits, and then the queue is full again.
    expect([impairer.decide(1000, 10), impairer.decide(1000, 10)].map((d) => d.drop ?? d.delayMs)).toEqual([
      20,
      'queue',
    ])
    // The queue stays as long as its contents over a long run, never the run's length.
    let accepted = 0
    for (let i = 0; i < 100_000; i++) if (impairer.decide(1000, 100 + i * 5).drop === undefined) accepted++
    expect(accepted).toBeGreaterThan(49_000)
  })

  it('adds delay after the rate-limit queue', () => {
    const impairer = new DatagramImpairer({ impairment: { rateLimitBytesPerSec: 1000, delayMs: 5 }, seed: 1 })
    expect([impairer.decide(10, 0).delayMs, impairer.decide(10, 0).delayMs]).toEqual([5, 15])
  })
})

describe('datagram impairment: configuration', () => {
  it('refuses values it cannot take', () => {
    const bad: DatagramImpairment[] = [
      { loss: 1.5 },
      { loss: -0.1 },
      { duplicate: Number.NaN },
      { delayMs: -1 },
      { jitterMs: Number.POSITIVE_INFINITY },
      { reorderGap: 0 },
      { reorderGap: 1.5 },
      { queueLimitMs: 0 },
      { queuePackets: 0 },
      { queuePackets: 2.5 },
      { lossBurst: 0.5 },
      { lossModel: 'bursty' as never },
      { loss: 0.9, lossModel: 'gilbert', lossBurst: 2 },
    ]
    for (const impairment of bad) {
      expect(() => new DatagramImpairer({ impairment, seed: 1 }), JSON.stringify(impairment)).toThrow(
        InvalidArgumentError,
      )
    }
  })

  it('describes itself for a report', () => {
    expect(describeDatagramImpairment({})).toBe('none')
    expect(
      describeDatagramImpairment({
        loss: 0.05,
        lossModel: 'gilbert',
        reorder: 0.02,
        delayMs: 10,
        jitterMs: 5,
        rateLimitBytesPerSec: 125_000,
      }),
    ).toBe('loss 5% (gilbert, mean burst 4), reorder 2% (gap 3), delay 10±5 ms, rate 1 Mbit/s')
  })
})

describe('hold queue', () => {
  it('releases a held item after its gap of forwarded items', () => {
    const queue = new HoldQueue<string>(100)
    queue.hold('a', 2, 0)
    expect(queue.passed()).toEqual([])
    queue.hold('b', 1, 0)
    expect(queue.passed()).toEqual(['a', 'b'])
    expect(queue.size).toBe(0)
  })

  it('releases an item whose deadline passed, and drains the rest', () => {
    const queue = new HoldQueue<number>(50)
    queue.hold(1, 10, 0)
    queue.hold(2, 10, 30)
    expect(queue.nextDeadlineMs).toBe(50)
    expect(queue.expired(49)).toEqual([])
    expect(queue.expired(50)).toEqual([1])
    expect(queue.nextDeadlineMs).toBe(80)
    expect(queue.drain()).toEqual([2])
    expect(queue.nextDeadlineMs).toBeUndefined()
  })
})
