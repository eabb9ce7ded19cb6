import { existsSync } from 'node:fs'
import { afterEach, describe, expect, it } from 'vitest'
import { BIN, has, runProtolab, start, startProtolab, stopAll } from './helpers/processes.js'

afterEach(stopAll)

describe('protolab lab serve --json', () => {
  it('prints each session as one JSON line once it ends', async () => {
    const server = startProtolab(['lab', 'serve', '--bind', '127.0.0.1:0', '--json'])
    const [, port] = await server.waitFor('stderr', /listening on 127\.0\.0\.1:(\d+)/)
    const run = await runProtolab(
      ['lab', 'run', '--server', `127.0.0.1:${port}`, '-t', 'tcp', '--count', '200'],
      {
        timeoutMs: 20_000,
      },
    )
    expect(run.code, run.stderr).toBe(0)
    const [line] = await server.waitFor('stdout', /^\{.*\}\n/)
    const session = JSON.parse(line) as Record<string, unknown>
    expect(Object.keys(session)).toEqual([
      'session',
      'from',
      'address',
      'port',
      'transport',
      'flows',
      'count',
      'size',
      'rate',
      'mode',
      'dataPorts',
      'result',
      'durationMs',
    ])
    expect(session).toMatchObject({
      address: '127.0.0.1',
      transport: 'tcp',
      flows: ['forward'],
      count: 200,
      mode: 'oneway',
      result: 'done',
    })
    expect(session.session).toMatch(/^[0-9a-f]{8}$/)
    expect(session.from).toBe(`127.0.0.1:${session.port}`)
    expect(session.dataPorts).toHaveLength(1)
  })
})

/** Root, and the tools to give the cleanup a mount and network namespace of its own. */
const canIsolate = process.getuid?.() === 0 && has('unshare') && has('ip')

describe('protolab lab cleanup --json', () => {
  // In namespaces of its own, the cleanup sees only the namespace this test makes: nothing of
  // another run on this machine is listed or removed.
  it.skipIf(!canIsolate)('says what it removed as one JSON object', async () => {
    let deadPid = 4_000_000
    while (existsSync(`/proc/${deadPid}`)) deadPid++
    const left = `plab-${deadPid}-1-hnc${process.pid}`
    const script = `mkdir -p /run/netns && mount -t tmpfs tmpfs /run/netns && ip netns add ${left} && exec "$0" "$1" lab cleanup --json`
    const proc = start('unshare', ['--mount', '--net', 'sh', '-c', script, process.execPath, BIN])
    const done = await proc.finished(20_000)
    expect(done.code, done.stderr).toBe(0)
    expect(JSON.parse(done.stdout)).toEqual({ namespaces: [left], devices: [], tables: [], skipped: [] })
  })
})
