import { ReceiverMetrics, type ReceiverSummary } from '@protolab/core'
import { describe, expect, it } from 'vitest'
import { FLOW_TABLE_WIDTH, renderFlowTable, wrap } from '../src/report/flow-table.js'
import type { LabFlowsRun } from '../src/runner/flow-types.js'
import { type FlowMeasurement, flowsRun, RELAY_LINK_SHARING } from '../src/runner/flows-result.js'
import type { LabTransportName } from '../src/runner/types.js'

const MS = 1e6
const ANSI = /\x1b\[[0-9;]*m/g
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/

/**
 * A receiver's summary of one flow that got `delivered` of its messages, 1 ms apart from
 * `startMs`, each `latencyMs` after it was sent, `payload` bytes each.
 */
function summaryOf(delivered: number, latencyMs: number, payload = 1000, startMs = 0): ReceiverSummary {
  const metrics = new ReceiverMetrics({ expectedMessages: Math.max(1, delivered) })
  for (let seq = 0; seq < delivered; seq++) {
    const sentNs = (startMs + seq) * MS
    metrics.recordMessage(seq, sentNs, sentNs + latencyMs * MS, payload)
  }
  return metrics.summary({ messages: false })
}

function measurement(
  id: number,
  transport: LabTransportName,
  sent: number,
  delivered: number,
  extra: Partial<FlowMeasurement> = {},
): FlowMeasurement {
  return {
    spec: { id, transport, rate: undefined },
    sent,
    summary: summaryOf(delivered, transport === 'udp' ? 1.5 : 12.25),
    ...extra,
  }
}

const context = {
  mode: 'oneway' as const,
  impairment: null,
  seed: 7,
  link: 'proxy' as const,
  sharing: RELAY_LINK_SHARING,
}

/** Every line is printable ASCII (so its length is its display width) and at most 80 columns. */
function expectFits(text: string, width = FLOW_TABLE_WIDTH): void {
  for (const line of text.replace(ANSI, '').trimEnd().split('\n')) {
    expect(line, line).toMatch(PRINTABLE_ASCII)
    expect(line.length, line).toBeLessThanOrEqual(width)
  }
}

describe('flowsRun', () => {
  it('keeps each flow its own numbers and adds them up in the aggregate', () => {
    const run = flowsRun(
      [measurement(1, 'udp', 100, 80), measurement(2, 'tcp', 100, 100), measurement(3, 'tcp', 50, 50)],
      { ...context, unclaimedForeign: 1 },
    )
    expect(run.transports).toEqual(['udp', 'tcp'])
    expect(run.flows.map((flow) => [flow.id, flow.transport, flow.sent, flow.delivered, flow.lost])).toEqual([
      [1, 'udp', 100, 80, 20],
      [2, 'tcp', 100, 100, 0],
      [3, 'tcp', 50, 50, 0],
    ])
    expect(run.aggregate).toMatchObject({ flows: 3, sent: 250, delivered: 230, lost: 20, foreign: 1 })
    expect(run.aggregate.payloadBytes).toBe(230 * 1000)
    const shares = run.flows.map((flow) => flow.share.ofDelivered)
    expect(shares.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12)
    expect(shares[0]).toBeCloseTo(80 / 230, 12)
    // No bottleneck on the relay link, even when a rate is given: its rate limits are per flow.
    const withRate = flowsRun([measurement(1, 'udp', 10, 10)], { ...context, bottleneckBitsPerSec: 1e6 })
    expect(withRate.fairness.bottleneckBitsPerSec).toBeNull()
    expect(withRate.flows[0]!.share.ofBottleneck).toBeNull()
  })

  it("gives Jain's index over the flows' bit rates, and shares of a bottleneck every flow crossed", () => {
    const equal = flowsRun([measurement(1, 'tcp', 100, 100), measurement(2, 'tcp', 100, 100)], context)
    expect(equal.fairness.jainIndex).toBe(1)
    // Flow 1 delivers 1,000 B each ms (8 Mbit/s over 99 ms), flow 2 none.
    const starved = flowsRun([measurement(1, 'udp', 100, 100), measurement(2, 'tcp', 100, 0)], {
      ...context,
      link: 'proxy',
      sharing: { bottleneck: true, note: 'one queue' },
      bottleneckBitsPerSec: 16e6,
    })
    expect(starved.fairness.jainIndex).toBe(0.5)
    expect(starved.flows[0]!.bitsPerSec).toBeCloseTo((100 * 8000) / 0.1005, -2)
    expect(starved.flows[0]!.share.ofBottleneck).toBeCloseTo(starved.flows[0]!.bitsPerSec / 16e6, 6)
    expect(starved.fairness.utilisation).toBeCloseTo(starved.aggregate.bitsPerSec / 16e6, 6)
  })

  it('carries per-flow TCP numbers when the kernel gave them', () => {
    const run = flowsRun(
      [measurement(1, 'tcp', 10, 10, { tcp: { retransmits: 3, rttMs: 1.2, cwnd: 10 } })],
      context,
    )
    expect(run.flows[0]).toMatchObject({ retransmits: 3, rttMs: 1.2, cwnd: 10 })
    expect(() => flowsRun([], context)).toThrow('at least one flow')
  })
})

describe('renderFlowTable', () => {
  const mixed = (): LabFlowsRun =>
    flowsRun(
      [
        {
          ...measurement(1, 'udp', 3000, 2100),
          spec: { id: 1, transport: 'udp', rate: { bitsPerSec: 30e6 } },
        },
        measurement(2, 'tcp', 1000, 1000),
      ],
      { ...context, sharing: { bottleneck: true, note: 'one 20 Mbit/s queue' }, bottleneckBitsPerSec: 20e6 },
    )

  it('has a row per flow, a rule, the aggregate, the fairness line and what was shared', () => {
    const text = renderFlowTable(mixed())
    const lines = text.trimEnd().split('\n')
    expect(lines[0]).toMatch(/^flow\s+paced\s+sent\s+lost\s+Mbit\/s\s+of link\s+p50 ms\s+p99 ms$/)
    expect(lines[1]).toMatch(
      /^1 udp\s+30 Mbit\/s\s+3,000\s+900 \(30\.0%\)\s+[\d.]+\s+[\d.]+%\s+1\.50\s+1\.50$/,
    )
    expect(lines[2]).toMatch(/^2 tcp\s+-\s+1,000\s+0\s+[\d.]+\s+[\d.]+%\s+12\.2\d\s+12\.2\d$/)
    expect(lines[3]).toMatch(/^-+$/)
    expect(lines[4]).toMatch(/^all\s+4,000\s+900 \(22\.5%\)\s/)
    const prose = text.replace(/\n {2}/g, ' ')
    expect(prose).toMatch(
      /fairness: Jain's index \d\.\d{3} over 2 flows' delivered bit rates; together they got [\d.]+% of the 20 Mbit\/s bottleneck/,
    )
    expect(prose).toContain('shared: one 20 Mbit/s queue')
    expectFits(text)
  })

  it('says shares are of what was delivered when no bottleneck rate is known', () => {
    const run = flowsRun([measurement(1, 'tcp', 10, 10), measurement(2, 'tcp', 10, 10)], context)
    const text = renderFlowTable(run)
    expect(text.split('\n')[0]).toMatch(/\sshare\s/)
    const prose = text.replace(/\n {2}/g, ' ')
    expect(prose).toContain('shares are of what was delivered (no bottleneck rate is known)')
    expect(prose).toContain('shared: on the relay link the flows share one relay process')
    expectFits(text)
  })

  it('stays within 80 columns for 8 flows with big numbers, colour or not', () => {
    const flows = Array.from({ length: 8 }, (_, i) =>
      measurement(i + 1, i % 2 === 0 ? 'udp' : 'tcp', 1_000_000, 0, {
        // 2,000 of 65,000 B in 2 s: 520 Mbit/s, with 998,000 lost.
        summary: summaryOf(2000, 250, 65_000),
        spec: { id: i + 1, transport: i % 2 === 0 ? 'udp' : 'tcp', rate: { messagesPerSec: 12_345.67 } },
        tcp: i % 2 === 1 ? { retransmits: 123_456, rttMs: 250, cwnd: 10 } : undefined,
      }),
    )
    const run = flowsRun(flows, { ...context, mode: 'rtt' })
    const text = renderFlowTable(run)
    expectFits(text)
    expect(
      text
        .trimEnd()
        .split('\n')
        .filter((line) => /^\d+ (udp|tcp)\s/.test(line)),
    ).toHaveLength(8)
    expect(text).toMatch(/^all\s/m)
    const colored = renderFlowTable(run, { color: true })
    expect(colored).toContain('\x1b[')
    expectFits(colored)
    expect(colored.replace(ANSI, '')).toBe(text)
  })

  it('leaves out the least telling columns, and says so, when the numbers are wider still', () => {
    const flows = Array.from({ length: 8 }, (_, i) =>
      measurement(i + 1, 'tcp', 16_000_000, 2, {
        spec: { id: i + 1, transport: 'tcp', rate: { bitsPerSec: 1.5e9 } },
        tcp: { retransmits: 12_345_678, rttMs: 250, cwnd: 10 },
      }),
    )
    const text = renderFlowTable(flowsRun(flows, context), { width: 60 })
    expectFits(text, 60)
    expect(text).toMatch(/left out to fit 60 columns: sent/)
    expect(text.split('\n')[0]).not.toMatch(/\bsent\b/)
  })

  it('wraps notes at word boundaries, indenting what follows', () => {
    expect(wrap('aaa bbb ccc ddd', 7)).toEqual(['aaa bbb', '  ccc', '  ddd'])
    expect(wrap('short', 80)).toEqual(['short'])
  })
})
