import { afterEach, describe, expect, it } from 'vitest'
import { runProtolab, stopAll } from './helpers/processes.js'

afterEach(stopAll)

interface JsonRun {
  transport: string
  sent: number
  delivered: number
  lost: number
  retransmits?: number
  wireBytes?: number
  wireOverhead?: number
}

const ALL = [
  'lab',
  '--link',
  'proxy',
  '-t',
  'all',
  '--loss',
  '2%',
  '--delay',
  '20ms',
  '--seed',
  '1',
  '--count',
  '2000',
]

describe('protolab lab -t all (udp, tcp and kcp through the relay)', () => {
  it('prints three columns, and KCP delivers every message the relay dropped datagrams of', async () => {
    const result = await runProtolab(ALL, { timeoutMs: 120_000 })
    expect(result.code, result.stderr).toBe(0)
    const lines = result.stdout.split('\n')
    expect(lines[0]).toMatch(/^\s+udp\s+tcp\s+kcp$/)
    // The table, above its notes, reads at 80 columns.
    const table = lines.slice(0, lines.indexOf(''))
    expect(Math.max(...table.map((line) => line.length))).toBeLessThanOrEqual(80)
    // KCP's own retransmissions made up for what the relay dropped: nothing lost.
    expect(lines.find((line) => line.startsWith('lost'))).toMatch(
      /^lost\s+\d[\d,]* \([\d.]+%\)\s+0 \(0\.00%\)\s+0 \(0\.00%\)$/,
    )
    expect(lines.find((line) => line.startsWith('arq retransmits'))).toMatch(
      /^arq retransmits\s+-\s+-\s+[1-9][\d,]*$/,
    )
    expect(result.stdout).toMatch(/^kcp: impairment loss 2%, delay 20 ms, both ways, seed 1$/m)
    expect(result.stderr).toMatch(/^kcp relay: received [\d,]+, forwarded [\d,]+, dropped [1-9]/m)
  })

  it('adds retransmits, wireBytes and wireOverhead to the JSON where the transport can tell them', async () => {
    const result = await runProtolab([...ALL, '--json'], { timeoutMs: 120_000 })
    expect(result.code, result.stderr).toBe(0)
    const { runs } = JSON.parse(result.stdout) as { runs: JsonRun[] }
    expect(runs.map((run) => run.transport)).toEqual(['udp', 'tcp', 'kcp'])
    const [udp, tcp, kcp] = runs as [JsonRun, JsonRun, JsonRun]
    // UDP: one datagram per message, sent once: 32 bytes of envelope on 64 of payload.
    expect(udp).toMatchObject({ wireBytes: 2000 * 96, wireOverhead: 1.5 })
    expect(udp.retransmits).toBeUndefined()
    // TCP through the relay: its recovery is modelled, so nothing of its wire is known.
    expect(tcp.wireBytes).toBeUndefined()
    expect(kcp).toMatchObject({ sent: 2000, delivered: 2000, lost: 0 })
    expect(kcp.retransmits).toBeGreaterThan(0)
    // Every message once with its envelope and a 24-byte segment header, plus what was resent.
    expect(kcp.wireBytes).toBeGreaterThan(2000 * (96 + 24))
    expect(kcp.wireOverhead).toBe(Math.round(((kcp.wireBytes ?? 0) / (2000 * 64)) * 1000) / 1000)
  })
})
