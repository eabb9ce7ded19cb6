import { execFileSync } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { runProtolab, startProtolab, stopAll } from './helpers/processes.js'

/** Every field of a run in `protolab lab --json`, as the README's "lab JSON" section lists them. */
const RUN_FIELDS = [
  'transport',
  'mode',
  'sent',
  'delivered',
  'lost',
  'lostBy',
  'duplicates',
  'reordered',
  'maxReorderExtent',
  'corrupted',
  'foreign',
  'latencyMs',
  'jitterMs',
  'messagesPerSec',
  'bytesPerSec',
  'bitsPerSec',
  'durationMs',
  'stalls',
  'impairment',
  'seed',
  'link',
]

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'protolab-lab-cli-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})
afterEach(stopAll)

describe('protolab lab', () => {
  it('prints { runs: [...] } with every documented field for -t both --json', async () => {
    const result = await runProtolab(
      [
        'lab',
        '--link',
        'proxy',
        '--count',
        '2000',
        '--rate',
        '20000',
        '--seed',
        '5',
        '--delay',
        '1ms',
        '--json',
      ],
      {
        timeoutMs: 20_000,
      },
    )
    expect(result.code).toBe(0)
    expect(result.stderr).toBe('')
    const json = JSON.parse(result.stdout)
    expect(Object.keys(json)).toEqual(['runs'])
    expect(json.runs.map((run: { transport: string }) => run.transport)).toEqual(['udp', 'tcp'])
    for (const run of json.runs) {
      // What UDP's sender put on the wire is known (one datagram per message); TCP's through the relay
      // is not, and TCP through the relay says what the relay did that holds a stream up.
      const extra = run.transport === 'udp' ? ['wireBytes', 'wireOverhead'] : ['tcpRelay']
      expect(Object.keys(run)).toEqual([...RUN_FIELDS, ...extra])
      expect(Object.values(run.lostBy).reduce((a: number, b) => a + Number(b), 0)).toBe(run.lost)
      expect(Object.keys(run.latencyMs)).toEqual([
        'min',
        'mean',
        'stddev',
        'p25',
        'p50',
        'p75',
        'p90',
        'p99',
        'p999',
        'p9999',
        'max',
      ])
      expect(run).toMatchObject({
        sent: 2000,
        seed: 5,
        mode: 'oneway',
        impairment: { delayMs: 1 },
        link: 'proxy',
      })
    }
    expect(json.runs[1]).toMatchObject({ delivered: 2000, lost: 0 })
  })

  it('prints a plain table when piped, and writes the CSV log and the HTML report', async () => {
    const log = join(dir, 'lab.csv')
    const html = join(dir, 'lab.html')
    const result = await runProtolab(
      [
        'lab',
        '--link',
        'proxy',
        '-t',
        'udp',
        '--count',
        '1500',
        '--rate',
        '20000',
        '--loss',
        '10%',
        '--seed',
        '2',
        '--log',
        log,
        '--report',
        html,
      ],
      { timeoutMs: 20_000 },
    )
    expect(result.code).toBe(0)
    expect(result.stdout).not.toContain('\x1b[')
    expect(result.stderr).not.toContain('\r')
    const lost = Number(result.stdout.match(/^lost\s+([\d,]+) /m)?.[1]?.replace(/,/g, ''))
    expect(lost).toBeGreaterThan(0)
    expect(result.stdout).toMatch(/^impairment loss 10%, seed 2$/m)
    expect(result.stderr).toContain(`log: ${log} (1,500 messages)`)
    expect(result.stderr).toContain(`report: ${html}`)
    const rows = (await readFile(log, 'utf8')).trimEnd().split('\n')
    expect(rows[0]).toBe('transport,sequence,sent_ms,received_ms,copies,status')
    expect(rows).toHaveLength(1501)
    expect(rows.filter((row) => row.endsWith(',lost'))).toHaveLength(lost)
    expect(await readFile(html, 'utf8')).toMatch(/^<!doctype html>/)
  })

  it('refuses impossible workloads and misplaced impairments as bad usage', async () => {
    const cases: [string[], RegExp][] = [
      [['-t', 'tcp', '--dup', '5%'], /^protolab: --dup applies to UDP only\n/],
      [['-t', 'udp', '--slice', '1'], /^protolab: --slice applies to TCP only\n/],
      [['--count', '0'], /--count takes a whole number/],
      [['--size', '70000'], /size must be a whole number from 0 to 65475/],
      [['--loss', '5'], /above 100%.*write 5%/],
      [['--stall-every', '1MB'], /--stall-every needs --stall <time>/],
    ]
    for (const [args, message] of cases) {
      const result = await runProtolab(['lab', '--link', 'proxy', ...args])
      expect(result.code, args.join(' ')).toBe(2)
      expect(result.stderr).toMatch(message)
    }
  })

  it('stops on Ctrl-C with exit code 0 (as the README says), leaving no child process behind', async () => {
    const lab = startProtolab([
      'lab',
      '--link',
      'proxy',
      '-t',
      'udp',
      '--count',
      '1000000',
      '--rate',
      '5000',
      '--loss',
      '1%',
    ])
    // Printed once its receiver and relay processes listen: three Node processes starting on a loaded
    // machine took longer than the 5 s default, so the bound is the suite's 15 s for a lab's start-up.
    await lab.waitFor('stderr', /^lab: udp/m, 15_000)
    const pid = lab.child.pid!
    const children = execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' })
      .split('\n')
      .map((line) => Number(line.trim()))
      .filter((child) => child > 0)
    expect(children).toHaveLength(2)
    lab.kill('SIGINT')
    const finished = await lab.finished(10_000)
    expect(finished.signal).toBeNull()
    expect(finished.code).toBe(0)
    for (const child of children) expect(() => process.kill(child, 0)).toThrow()
  })
})
