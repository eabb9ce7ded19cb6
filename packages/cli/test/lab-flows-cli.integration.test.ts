import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { runProtolab, startProtolab, stopAll } from './helpers/processes.js'

afterEach(stopAll)

interface FlowJson {
  readonly id: number
  readonly transport: string
  readonly sent: number
  readonly delivered: number
}

interface FlowsRunJson {
  readonly transports: string[]
  readonly flows: FlowJson[]
  readonly aggregate: { readonly sent: number; readonly delivered: number }
  readonly fairness: { readonly jainIndex: number; readonly utilisation: number | null }
}

/** Runs `protolab lab` with `args` and `--json`, and reads its runs. */
async function labJson(args: string[]): Promise<FlowsRunJson[]> {
  const run = await runProtolab(['lab', '--link', 'proxy', ...args, '--json'], { timeoutMs: 60_000 })
  expect(run.code, run.stderr).toBe(0)
  return (JSON.parse(run.stdout) as { runs: FlowsRunJson[] }).runs
}

describe('protolab lab --parallel / --flows (relay link, real sockets on 127.0.0.1)', () => {
  it("-P 4 -t udp runs four UDP flows: a row each, the aggregate and Jain's index", async () => {
    const run = await runProtolab(
      ['lab', '--link', 'proxy', '-t', 'udp', '-P', '4', '--count', '300', '--rate', '2000'],
      { timeoutMs: 60_000 },
    )
    expect(run.code, run.stderr).toBe(0)
    const rows = run.stdout.split('\n')
    for (const id of [1, 2, 3, 4]) expect(rows.some((row) => row.startsWith(`${id} udp `))).toBe(true)
    expect(rows.some((row) => /^all\s+1,200\s/.test(row))).toBe(true)
    expect(run.stdout).toMatch(/Jain's index \d\.\d{3} over 4 flows/)
    for (const row of rows) expect(row.length).toBeLessThanOrEqual(80)
  })

  it('-P 4 -t udp --json gives { runs: [{ flows, aggregate, fairness }] }', async () => {
    const runs = await labJson(['-t', 'udp', '-P', '4', '--count', '300', '--rate', '2000'])
    expect(runs).toHaveLength(1)
    const [run] = runs as [FlowsRunJson]
    expect(run.flows.map((flow) => [flow.id, flow.transport, flow.sent])).toEqual([
      [1, 'udp', 300],
      [2, 'udp', 300],
      [3, 'udp', 300],
      [4, 'udp', 300],
    ])
    expect(run.aggregate.sent).toBe(1200)
    expect(run.aggregate.delivered).toBe(run.flows.reduce((sum, flow) => sum + flow.delivered, 0))
    expect(run.flows).toHaveLength(4)
    expect(run.fairness.jainIndex).toBeGreaterThan(0)
    expect(run.fairness.jainIndex).toBeLessThanOrEqual(1)
  })

  it('--flows udp:1,tcp:2 runs UDP and TCP together through the relay, each flow its own row', async () => {
    const runs = await labJson([
      '--flows',
      'udp:1,tcp:2',
      '--count',
      '300',
      '--rate',
      '1mbit',
      '--loss',
      '2%',
      '--seed',
      '3',
    ])
    expect(runs).toHaveLength(1)
    const [run] = runs as [FlowsRunJson]
    expect(run.transports).toEqual(['udp', 'tcp'])
    expect(run.flows.map((flow) => [flow.id, flow.transport, flow.sent])).toEqual([
      [1, 'udp', 300],
      [2, 'tcp', 300],
      [3, 'tcp', 300],
    ])
    // TCP loses nothing: the relay's loss is modelled as TCP's recovery.
    for (const flow of run.flows.slice(1)) expect(flow.delivered).toBe(300)
    expect(run.aggregate.sent).toBe(900)
    expect(run.fairness.jainIndex).toBeGreaterThan(0)
  })

  it('--in-process counts the flows in this process, with the same numbers', async () => {
    const runs = await labJson(['-t', 'tcp', '-P', '3', '--count', '200', '--in-process'])
    expect(runs[0]?.flows.map((flow) => [flow.sent, flow.delivered])).toEqual([
      [200, 200],
      [200, 200],
      [200, 200],
    ])
  })

  it("-t both -P 2 runs UDP's flows, then TCP's, a run each", async () => {
    const runs = await labJson(['-t', 'both', '-P', '2', '--count', '200', '--rate', '2000'])
    expect(runs.map((run) => run.flows.map((flow) => flow.transport))).toEqual([
      ['udp', 'udp'],
      ['tcp', 'tcp'],
    ])
  })

  it("--report draws every flow's Mbit/s on one time axis, in one self-contained file", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'protolab-flows-report-'))
    try {
      const file = join(dir, 'flows.html')
      const run = await runProtolab(
        ['lab', '--link', 'proxy', '--flows', 'udp:1@2000,tcp:1@1000', '--count', '600', '--report', file],
        { timeoutMs: 60_000 },
      )
      expect(run.code, run.stderr).toBe(0)
      expect(run.stderr).toContain(`report: ${file}`)
      const html = await readFile(file, 'utf8')
      expect(html).toMatch(/^<!doctype html>/)
      expect(html).toContain('<svg class="plot over-time flows" data-flows="2"')
      const data = JSON.parse(
        html.match(/<script type="application\/json" id="protolab-report">(.*?)<\/script>/s)![1]!,
      ) as { runs: { flows: { transport: string }[] }[]; plots: { points: number[] }[] }
      expect(data.runs[0]?.flows.map((flow) => flow.transport)).toEqual(['udp', 'tcp'])
      // Both flows delivered something in several bins: each line has data.
      for (const points of data.plots[0]!.points) expect(points).toBeGreaterThan(1)
      expect(html).not.toMatch(/<script(?! type="application\/json")/)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it("--log writes every flow's messages, each row with its flow id", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'protolab-flows-log-'))
    try {
      const file = join(dir, 'flows.csv')
      const run = await runProtolab(
        ['lab', '--link', 'proxy', '--flows', 'udp:1@2000,tcp:2@2000', '--count', '50', '--log', file],
        { timeoutMs: 60_000 },
      )
      expect(run.code, run.stderr).toBe(0)
      expect(run.stderr).toContain(`log: ${file} (150 messages)`)
      const [header, ...rows] = (await readFile(file, 'utf8')).trim().split('\n')
      expect(header).toBe('flow,transport,sequence,sent_ms,received_ms,copies,status')
      const flowOf = rows.map((row) => row.split(',').slice(0, 2).join(':'))
      expect(new Set(flowOf)).toEqual(new Set(['1:udp', '2:tcp', '3:tcp']))
      for (const id of ['1:udp', '2:tcp', '3:tcp']) {
        const mine = rows.filter((row) => row.startsWith(id.replace(':', ',')))
        expect(mine.map((row) => Number(row.split(',')[2]))).toEqual([...Array(50).keys()])
        expect(mine.every((row) => row.endsWith(',delivered'))).toBe(true)
      }
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('refuses what a run of flows cannot do yet, as bad usage', async () => {
    for (const args of [
      ['-P', '2', '--link', 'kernel'],
      ['-P', '2', '--flows', 'udp:1'],
      ['-P', '0'],
      ['--flows', 'sctp:1'],
      ['--rate', 'fast'],
    ]) {
      const run = await runProtolab(['lab', ...args], { timeoutMs: 20_000 })
      expect(run.code, args.join(' ')).toBe(2)
      expect(run.stderr.trim().split('\n')[0]).toMatch(/^protolab: /)
    }
  })
})

describe('protolab lab --flows --interval or --capture on the proxy link', () => {
  it('is refused in one line: the relay link neither cuts a flow into intervals nor records it', async () => {
    const run = await runProtolab(
      ['lab', '--link', 'proxy', '-P', '2', '--count', '10', '--interval', '1s'],
      {
        timeoutMs: 20_000,
      },
    )
    expect(run.code).toBe(2)
    const complaints = run.stderr.split('\n').filter((line) => line.startsWith('protolab: '))
    expect(complaints).toEqual([
      "protolab: intervals of a run of flows are the packet link's only, and this run takes the proxy link",
    ])
    expect(run.stdout).toBe('')
    const capture = await runProtolab(
      ['lab', '--link', 'proxy', '-P', '2', '--count', '10'].concat(['--capture', 'x.pcap']),
      {
        timeoutMs: 20_000,
      },
    )
    expect(capture.code).toBe(2)
    expect(capture.stderr).toMatch(
      /^protolab: a capture of a run of flows is the packet link's only, and this run takes the proxy link$/m,
    )
  })
})

describe('protolab lab run --parallel against lab serve (127.0.0.1)', () => {
  it('--parallel 4 reports 4 flows and an aggregate, as a table and as JSON', async () => {
    const server = startProtolab(['lab', 'serve', '--bind', '127.0.0.1:0'])
    const [, port] = await server.waitFor('stderr', /listening on 127\.0\.0\.1:(\d+)/)
    const args = [
      'lab',
      'run',
      '--server',
      `127.0.0.1:${port}`,
      '-t',
      'tcp',
      '--parallel',
      '4',
      '--count',
      '500',
    ]
    const table = await runProtolab(args, { timeoutMs: 60_000 })
    expect(table.code, table.stderr).toBe(0)
    const rows = table.stdout.split('\n')
    for (const id of [1, 2, 3, 4]) expect(rows.some((row) => row.startsWith(`${id} tcp `))).toBe(true)
    expect(rows.some((row) => /^all\s+2,000\s+0\s/.test(row))).toBe(true)
    expect(table.stdout).toMatch(/Jain's index \d\.\d{3} over 4 flows/)

    const json = await runProtolab([...args, '--json'], { timeoutMs: 60_000 })
    expect(json.code, json.stderr).toBe(0)
    const [run, ...more] = (JSON.parse(json.stdout) as { runs: (FlowsRunJson & { link: string })[] }).runs
    expect(more).toHaveLength(0)
    expect(run?.link).toBe('remote')
    // TCP delivers every message of every flow, each counted by its own counter on the server.
    expect(run?.flows.map((flow) => [flow.id, flow.sent, flow.delivered])).toEqual([
      [1, 500, 500],
      [2, 500, 500],
      [3, 500, 500],
      [4, 500, 500],
    ])
    expect(run?.aggregate).toMatchObject({ sent: 2000, delivered: 2000 })
    expect(run?.fairness.jainIndex).toBeGreaterThan(0)
  })

  it('-P 3 -t udp opens three UDP flows in one session: three rows, sent counted per flow', async () => {
    const server = startProtolab(['lab', 'serve', '--bind', '127.0.0.1:0'])
    const [, port] = await server.waitFor('stderr', /listening on 127\.0\.0\.1:(\d+)/)
    const run = await runProtolab(
      [
        'lab',
        'run',
        '--server',
        `127.0.0.1:${port}`,
        '-t',
        'udp',
        '-P',
        '3',
        '--count',
        '300',
        '--rate',
        '2000',
        '--json',
      ],
      { timeoutMs: 60_000 },
    )
    expect(run.code, run.stderr).toBe(0)
    const [flows] = (JSON.parse(run.stdout) as { runs: FlowsRunJson[] }).runs
    expect(flows?.flows.map((flow) => [flow.transport, flow.sent])).toEqual([
      ['udp', 300],
      ['udp', 300],
      ['udp', 300],
    ])
    expect(flows?.aggregate.sent).toBe(900)
  })

  it('--flows udp:1@2000,tcp:1 runs a UDP and a TCP flow at once in one session, each its own row', async () => {
    const server = startProtolab(['lab', 'serve', '--bind', '127.0.0.1:0'])
    const [, port] = await server.waitFor('stderr', /listening on 127\.0\.0\.1:(\d+)/)
    const run = await runProtolab(
      [
        'lab',
        'run',
        '--server',
        `127.0.0.1:${port}`,
        '--flows',
        'udp:1@2000,tcp:1',
        '--count',
        '400',
        '--json',
      ],
      { timeoutMs: 60_000 },
    )
    expect(run.code, run.stderr).toBe(0)
    const [flows, ...more] = (JSON.parse(run.stdout) as { runs: FlowsRunJson[] }).runs
    expect(more).toHaveLength(0)
    expect(flows?.transports).toEqual(['udp', 'tcp'])
    expect(flows?.flows.map((flow) => [flow.id, flow.transport, flow.sent])).toEqual([
      [1, 'udp', 400],
      [2, 'tcp', 400],
    ])
    expect(flows?.flows[1]?.delivered).toBe(400)
    expect(flows?.aggregate.sent).toBe(800)
    await expect(server.waitFor('stderr', /data on udp port \d+, tcp port \d+/)).resolves.toBeDefined()
  })

  it('refuses --parallel with --bidir, as bad usage', async () => {
    const run = await runProtolab(['lab', 'run', '--server', '127.0.0.1:9', '-P', '2', '--bidir'], {
      timeoutMs: 20_000,
    })
    expect(run.code).toBe(2)
  })
})
