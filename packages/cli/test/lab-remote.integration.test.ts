import { createSocket, type Socket as UdpSocket } from 'node:dgram'
import { connect, type Socket } from 'node:net'
import { createEnvelopeBuffer, writeEnvelope } from '@protolab/core'
import { afterEach, describe, expect, it } from 'vitest'
import { runRemoteLab } from '../../lab/src/remote/client.js'
import { LabServer } from '../../lab/src/remote/server.js'
import type { LabRun } from '../../lab/src/runner/types.js'
import { freePort } from './helpers/ports.js'
import { runProtolab, startProtolab, stopAll } from './helpers/processes.js'

const servers: LabServer[] = []
const sockets: (Socket | UdpSocket)[] = []

afterEach(async () => {
  for (const socket of sockets.splice(0)) {
    if ('destroy' in socket) socket.destroy()
    else socket.close()
  }
  await Promise.all(servers.splice(0).map((server) => server.close()))
  await stopAll()
})

interface StartedServer {
  readonly server: LabServer
  readonly port: number
  readonly log: string[]
  /** Resolves with the data ports of the next session, as the server logs them. */
  dataPorts(): Promise<number[]>
}

async function startServer(
  init: { maxConnections?: number; idleTimeoutMs?: number } = {},
): Promise<StartedServer> {
  const log: string[] = []
  const waiting: ((line: string) => void)[] = []
  const server = await LabServer.start({
    bind: { host: '127.0.0.1', port: 0 },
    maxConnections: init.maxConnections ?? 4,
    idleTimeoutMs: init.idleTimeoutMs ?? 10_000,
    log: (line) => {
      log.push(line)
      for (const wait of waiting.splice(0)) wait(line)
    },
  })
  servers.push(server)
  const dataPorts = (): Promise<number[]> =>
    new Promise((resolve) => {
      const check = (line: string): void => {
        const match = /data on \w+ ports? ([\d and]+)$/.exec(line)
        if (match === null) waiting.push(check)
        else resolve((match[1] ?? '').split(' and ').map(Number))
      }
      waiting.push(check)
    })
  return { server, port: server.address.port, log, dataPorts }
}

/** The counts of a run that hold whatever the timing. */
function accounted(run: LabRun): void {
  expect(run.delivered + run.lost).toBe(run.sent)
  expect(run.duplicates).toBe(0)
  expect(run.corrupted).toBe(0)
}

describe('lab serve / lab run on 127.0.0.1', () => {
  it('lab run --interval prints the intervals of a flow it sends, with what it sent in each', async () => {
    const { port } = await startServer()
    const args = [
      'lab',
      'run',
      '--server',
      `127.0.0.1:${port}`,
      '-t',
      'udp',
      '--count',
      '1500',
      '--rate',
      '5000',
    ]
    const result = await runProtolab([...args, '--interval', '100ms'], { timeoutMs: 60_000 })
    expect(result.code).toBe(0)
    const lines = result.stdout.split('\n')
    expect(lines[0]).toMatch(/^udp +interval s +sent +delivered +lost +reord +Mbit\/s +p50 ms +p99 ms$/)
    const intervalLines = lines.filter((line) => /^ +\d+\.\d-\d+\.\d /.test(line))
    expect(intervalLines.length).toBeGreaterThanOrEqual(1)
    // This side sent the flow: sent is a number, and the lines' sent add up to the run's.
    const sent = intervalLines.map((line) => line.trim().split(/\s+/)[1] ?? '')
    expect(sent.every((cell) => /^[\d,]+$/.test(cell))).toBe(true)
    expect(sent.reduce((sum, cell) => sum + Number(cell.replace(/,/g, '')), 0)).toBeLessThanOrEqual(1500)
    const json = await runProtolab([...args, '--interval', '100ms', '--json'], { timeoutMs: 60_000 })
    const run = (JSON.parse(json.stdout) as { runs: LabRun[] }).runs[0]!
    expect((run.intervals ?? []).reduce((sum, interval) => sum + interval.sent, 0)).toBe(run.sent)
  })

  it('runs UDP and TCP forward, the server counting what this side sent', async () => {
    const { port } = await startServer()
    const report = await runRemoteLab({
      server: { address: '127.0.0.1', port },
      transports: ['udp', 'tcp'],
      count: 2000,
      rate: 20_000,
    })
    expect(report.runs.map((run) => [run.transport, run.direction])).toEqual([
      ['udp', 'forward'],
      ['tcp', 'forward'],
    ])
    for (const run of report.runs) {
      accounted(run)
      expect(run.sent).toBe(2000)
      expect(run.foreign).toBe(0)
      // One kernel: the one-way latency is measured, not estimated.
      expect(run.modelled).toBeUndefined()
    }
    const tcp = report.runs[1]!
    expect(tcp.delivered).toBe(2000)
    expect(tcp.reordered).toBe(0)
  })

  it('runs reverse: the server sends, this side counts, and TCP reports the kernel numbers when ss is there', async () => {
    const { port } = await startServer()
    const report = await runRemoteLab({
      server: { address: '127.0.0.1', port },
      transports: ['udp', 'tcp'],
      direction: 'reverse',
      count: 2000,
      rate: 20_000,
      trace: true,
    })
    expect(report.runs.map((run) => run.direction)).toEqual(['reverse', 'reverse'])
    for (const run of report.runs) accounted(run)
    const tcp = report.runs[1]!
    expect(tcp.delivered).toBe(2000)
    if (tcp.retransmits !== undefined) {
      expect(tcp.cwnd).toBeGreaterThan(0)
      expect(tcp.rttMs).toBeGreaterThan(0)
    }
    // Traces come back whole, with the server's send times.
    expect(report.traces).toHaveLength(2)
    expect(report.traces[1]?.count).toBe(2000)
    expect(Number.isNaN(report.traces[1]?.arrivedAtMs[1999] ?? Number.NaN)).toBe(false)
  })

  it('runs both ways at once, two runs per transport, in round-trip mode too', async () => {
    const { port } = await startServer()
    const report = await runRemoteLab({
      server: { address: '127.0.0.1', port },
      transports: ['tcp'],
      direction: 'bidir',
      mode: 'rtt',
      count: 1000,
      rate: 10_000,
    })
    expect(report.runs.map((run) => `${run.transport} ${run.direction} ${run.mode}`)).toEqual([
      'tcp forward rtt',
      'tcp reverse rtt',
    ])
    for (const run of report.runs) {
      expect(run.delivered).toBe(1000)
      expect(run.latencyMs.p50).toBeGreaterThan(0)
    }
  })

  it('counts datagrams that are not the session as foreign and keeps them out of every other count', async () => {
    const started = await startServer()
    const ports = started.dataPorts()
    const running = runRemoteLab({
      server: { address: '127.0.0.1', port: started.port },
      transports: ['udp'],
      count: 1500,
      rate: 3000,
    })
    const [dataPort = 0] = await ports
    const stranger = createSocket('udp4')
    sockets.push(stranger)
    await new Promise<void>((resolve) => stranger.bind(0, '127.0.0.1', resolve))
    const otherSession = createEnvelopeBuffer(64)
    writeEnvelope(otherSession, { session: 1, seq: 3, sentAtNs: 1 }, 64)
    const send = (bytes: Uint8Array): Promise<void> =>
      new Promise((resolve, reject) =>
        stranger.send(bytes, dataPort, '127.0.0.1', (e) => (e ? reject(e) : resolve())),
      )
    for (let i = 0; i < 20; i++) {
      await send(otherSession)
      await send(Buffer.from(`not a lab message ${i}`))
    }
    const run = (await running).runs[0]!
    expect(run.foreign).toBe(40)
    accounted(run)
    expect(run.sent).toBe(1500)
  })

  it('counts frames of another session on the TCP data port as foreign', async () => {
    const started = await startServer()
    const ports = started.dataPorts()
    const running = runRemoteLab({
      server: { address: '127.0.0.1', port: started.port },
      transports: ['tcp'],
      count: 1500,
      rate: 3000,
    })
    const [dataPort = 0] = await ports
    const stranger = connect(dataPort, '127.0.0.1')
    sockets.push(stranger)
    const envelope = createEnvelopeBuffer(16)
    writeEnvelope(envelope, { session: 1, seq: 0, sentAtNs: 1 }, 16)
    const frame = Buffer.alloc(4 + envelope.length)
    frame.writeUInt32BE(envelope.length, 0)
    frame.set(envelope, 4)
    await new Promise<void>((resolve) =>
      stranger.write(Buffer.concat([frame, frame, frame]), () => resolve()),
    )
    const run = (await running).runs[0]!
    expect(run.foreign).toBe(3)
    expect(run.delivered).toBe(1500)
  })

  it("answers a second client with 'busy' while a session runs, then serves it once free", async () => {
    const started = await startServer()
    // A client that said hello holds the server.
    const holder = connect(started.port, '127.0.0.1')
    sockets.push(holder)
    holder.write('{"type":"hello","protocol":"protolab-lab","version":1,"software":"test","bootId":null}\n')
    await new Promise<void>((resolve) => holder.once('data', () => resolve()))
    const refused = runRemoteLab({
      server: { address: '127.0.0.1', port: started.port },
      transports: ['udp'],
      count: 10,
    })
    await expect(refused).rejects.toThrow(
      `the lab server at 127.0.0.1:${started.port} is busy with another session`,
    )
    holder.end('{"type":"bye"}\n')
    await new Promise<void>((resolve) => holder.once('close', () => resolve()))
    const served = await runRemoteLab({
      server: { address: '127.0.0.1', port: started.port },
      transports: ['udp'],
      count: 10,
    })
    expect(served.runs[0]?.sent).toBe(10)
  })

  it('ends a session whose client went away, and is free for the next one', async () => {
    const started = await startServer()
    const ports = started.dataPorts()
    const stop = new AbortController()
    const abandoned = runRemoteLab(
      {
        server: { address: '127.0.0.1', port: started.port },
        transports: ['tcp'],
        count: 100_000,
        rate: 1000,
      },
      { signal: stop.signal },
    )
    await ports
    stop.abort()
    await expect(abandoned).rejects.toThrow('the operation was aborted')
    // The next client is served, not told the server is busy (its session may start a moment later).
    const next = await runRemoteLab({
      server: { address: '127.0.0.1', port: started.port },
      transports: ['udp'],
      count: 10,
    })
    expect(next.runs[0]?.sent).toBe(10)
    expect(started.log.some((line) => /session \w+ failed: /.test(line))).toBe(true)
  })

  it('refuses a client of another protocol version, saying which one it speaks', async () => {
    const { port } = await startServer()
    const client = connect(port, '127.0.0.1')
    sockets.push(client)
    client.write(
      '{"type":"hello","protocol":"protolab-lab","version":99,"software":"future","bootId":null}\n',
    )
    const reply = await new Promise<string>((resolve) => client.once('data', (data) => resolve(String(data))))
    expect(JSON.parse(reply)).toMatchObject({ type: 'error', code: 'version' })
    expect(reply).toContain('version 1, not protolab-lab version 99')
  })

  it('closes a control connection that stays silent past the idle timeout', async () => {
    const { port } = await startServer({ idleTimeoutMs: 200 })
    const silent = connect(port, '127.0.0.1')
    sockets.push(silent)
    await new Promise<void>((resolve) => silent.once('close', () => resolve()))
    expect(silent.destroyed).toBe(true)
  })

  it('refuses control connections over --max-connections', async () => {
    const { port } = await startServer({ maxConnections: 1 })
    const first = connect(port, '127.0.0.1')
    sockets.push(first)
    await new Promise<void>((resolve) => first.once('connect', () => resolve()))
    const second = connect(port, '127.0.0.1')
    sockets.push(second)
    second.on('error', () => {})
    await new Promise<void>((resolve) => second.once('close', () => resolve()))
    expect(first.destroyed).toBe(false)
  })
})

describe('protolab lab serve / lab run, the commands', () => {
  async function serve(): Promise<number> {
    const server = startProtolab(['lab', 'serve', '--bind', '127.0.0.1:0'])
    const match = await server.waitFor('stderr', /listening on 127\.0\.0\.1:(\d+)/)
    return Number(match[1])
  }

  it('prints the JSON of a reverse run, with the fields of a local run and the direction', async () => {
    const port = await serve()
    const result = await runProtolab(
      ['lab', 'run', '--server', `127.0.0.1:${port}`, '-t', 'tcp', '--count', '500', '--reverse', '--json'],
      { timeoutMs: 20_000 },
    )
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    const { runs } = JSON.parse(result.stdout) as { runs: LabRun[] }
    expect(runs).toHaveLength(1)
    expect(runs[0]).toMatchObject({
      transport: 'tcp',
      direction: 'reverse',
      sent: 500,
      delivered: 500,
      lost: 0,
    })
    for (const field of [
      'latencyMs',
      'jitterMs',
      'messagesPerSec',
      'bytesPerSec',
      'durationMs',
      'stalls',
      'impairment',
      'seed',
    ]) {
      expect(runs[0]).toHaveProperty(field)
    }
  })

  it('runs KCP through lab serve and lab run -t kcp, and KCP delivers every message', async () => {
    const port = await serve()
    const result = await runProtolab(
      ['lab', 'run', '--server', `127.0.0.1:${port}`, '-t', 'kcp', '--count', '1000', '--json'],
      { timeoutMs: 30_000 },
    )
    expect(result.code, result.stderr).toBe(0)
    const { runs } = JSON.parse(result.stdout) as { runs: LabRun[] }
    expect(runs.map((run) => [run.transport, run.direction])).toEqual([['kcp', 'forward']])
    expect(runs[0]).toMatchObject({ sent: 1000, delivered: 1000, lost: 0, duplicates: 0, corrupted: 0 })
  })

  it('runs udp, tcp and kcp, one session each, with lab run -t all', async () => {
    const port = await serve()
    const result = await runProtolab(
      [
        'lab',
        'run',
        '--server',
        `127.0.0.1:${port}`,
        '-t',
        'all',
        '--count',
        '500',
        '--rate',
        '20000',
        '--json',
      ],
      { timeoutMs: 60_000 },
    )
    expect(result.code, result.stderr).toBe(0)
    const { runs } = JSON.parse(result.stdout) as { runs: LabRun[] }
    expect(runs.map((run) => run.transport)).toEqual(['udp', 'tcp', 'kcp'])
    for (const run of runs) accounted(run)
    // The reliable two lose nothing on loopback; UDP may, when a socket buffer overflows.
    for (const run of runs.slice(1)) expect(run).toMatchObject({ sent: 500, delivered: 500, lost: 0 })
  })

  it('says in one line that nothing serves at a port, exit code 1', async () => {
    const port = await freePort('tcp')
    const result = await runProtolab(['lab', 'run', '--server', `127.0.0.1:${port}`, '-t', 'udp'])
    expect(result.code).toBe(1)
    const [first, hint] = result.stderr.trim().split('\n')
    expect(first).toMatch(new RegExp(`^protolab: cannot reach a lab server at 127\\.0\\.0\\.1:${port}: `))
    expect(hint).toBe(`hint: start one there with 'protolab lab serve --bind 127.0.0.1:${port}'`)
  })

  it('says busy in one line with exit code 1 when another client holds the server', async () => {
    const port = await serve()
    const holder = connect(port, '127.0.0.1')
    sockets.push(holder)
    holder.write('{"type":"hello","protocol":"protolab-lab","version":1,"software":"test","bootId":null}\n')
    await new Promise<void>((resolve) => holder.once('data', () => resolve()))
    const result = await runProtolab(['lab', 'run', '--server', `127.0.0.1:${port}`, '-t', 'udp'])
    expect(result.code).toBe(1)
    const lines = result.stderr.trim().split('\n')
    expect(lines[0]).toBe(`protolab: the lab server at 127.0.0.1:${port} is busy with another session`)
    expect(lines[1]).toMatch(/^hint: /)
    expect(lines).toHaveLength(2)
  })
})
