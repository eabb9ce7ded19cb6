import { readFileSync } from 'node:fs'
import { renderTable, runLab } from '@protolab/lab'
import { describe, expect, it } from 'vitest'

// The README's example, verbatim: the first test keeps the two copies identical, the second runs it.
async function compareUdpAndTcp(): Promise<string> {
  const report = await runLab({
    transports: ['udp', 'tcp'], // the same messages over each, one after the other
    count: 500,
    impairment: { loss: 0.02, delayMs: 2 }, // through a seeded relay that drops and delays
    seed: 7, // the same seed drops the same messages
  })
  return renderTable(report.runs, { color: false })
}

describe("the README's example", () => {
  it('is the code the README shows', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')
    const source = readFileSync(new URL(import.meta.url), 'utf8')
    const start = source.indexOf('async function compareUdpAndTcp(')
    const example = source.slice(start, source.indexOf('\n}\n', start) + 2)
    expect(example.split('\n').length).toBeLessThanOrEqual(15)
    expect(readme).toContain(example)
  })

  it('prints the table of a UDP run and a TCP run: UDP loses messages, TCP none', async () => {
    const table = await compareUdpAndTcp()
    expect(table).toMatch(/udp/)
    expect(table).toMatch(/tcp/)
    const report = await runLab({
      transports: ['udp', 'tcp'],
      count: 500,
      impairment: { loss: 0.02, delayMs: 2 },
      seed: 7,
    })
    const [udp, tcp] = report.runs
    expect(udp?.lost).toBeGreaterThan(0)
    expect(tcp?.lost).toBe(0)
    expect(table).toContain(udp!.lost.toLocaleString('en-US'))
  })
})
