import { afterEach, describe, expect, it } from 'vitest'
import { freePort, waitForTcpSocket } from './helpers/ports.js'
import { has, runProtolab, start, startProtolab, stopAll } from './helpers/processes.js'

afterEach(stopAll)

const hasSocat = has('socat')
const hasNc = has('nc')

/** Starts `protolab proxy` and resolves with the port it listens on. */
async function startProxy(args: readonly string[]) {
  const proxy = startProtolab(['proxy', '--listen', '0', ...args])
  const [, port] = await proxy.waitFor('stderr', /proxy listening on 127\.0\.0\.1:(\d+) /)
  return { proxy, port: Number(port) }
}

/** Starts `protolab listen 0` and resolves with its port. */
async function startListen(args: readonly string[]) {
  const listen = startProtolab(['listen', '0', ...args])
  const [, port] = await listen.waitFor('stderr', /listening on 127\.0\.0\.1:(\d+) /)
  return { listen, port: Number(port) }
}

describe('protolab proxy', () => {
  it.skipIf(!hasSocat)(
    'relays socat datagrams to protolab listen, duplicating each, and counts them on Ctrl-C',
    async () => {
      const { listen, port: listenPort } = await startListen(['-t', 'udp'])
      const { proxy, port } = await startProxy([
        '--to',
        `127.0.0.1:${listenPort}`,
        '--dup',
        '100%',
        '--seed',
        '4',
        '--json',
      ])
      for (const line of ['one', 'two', 'three']) {
        const client = start('socat', ['-u', 'STDIN', `UDP:127.0.0.1:${port}`])
        client.write(`${line}\n`)
        client.end()
        await client.finished()
        await listen.waitFor('stdout', new RegExp(`(\\] ${line}\\n[^]*){2}`))
      }
      proxy.kill('SIGINT')
      const finished = await proxy.finished()
      expect(finished.code).toBe(0)
      const json = JSON.parse(finished.stdout)
      expect(json).toMatchObject({ transport: 'udp', seed: 4, impairment: { duplicate: 1 } })
      expect(json.stats.toServer).toMatchObject({ received: 3, forwarded: 6, duplicated: 3, dropped: 0 })
    },
  )

  it.skipIf(!hasNc)(
    'relays nc over TCP to protolab listen byte by byte, delayed, with nothing lost',
    async () => {
      const { listen, port: listenPort } = await startListen(['-t', 'tcp'])
      const { proxy, port } = await startProxy([
        '-t',
        'tcp',
        '--to',
        `127.0.0.1:${listenPort}`,
        '--slice',
        '1',
        '--delay',
        '5ms',
      ])
      const client = start('nc', ['-N', '127.0.0.1', String(port)])
      client.write('你好, protolab\nsecond line\n')
      client.end()
      await listen.waitFor('stdout', /\] 你好, protolab\n.*\] second line\n/s)
      proxy.kill('SIGTERM')
      const finished = await proxy.finished()
      expect(finished.code).toBe(0)
      const bytes = Buffer.byteLength('你好, protolab\nsecond line\n')
      expect(finished.stdout).toContain(`to server: bytes ${bytes}, writes ${bytes},`)
    },
  )

  it('relays KCP as the UDP datagrams it is made of, and KCP makes up for what it drops', async () => {
    const { listen, port: listenPort } = await startListen(['-t', 'kcp'])
    const { proxy, port } = await startProxy([
      '-t',
      'kcp',
      '--to',
      `127.0.0.1:${listenPort}`,
      '--loss',
      '30%',
      '--direction',
      'both',
      '--seed',
      '3',
      '--json',
    ])
    const sent = await runProtolab(['send', `127.0.0.1:${port}`, '-t', 'kcp', 'through', 'the', 'loss'])
    expect(sent.code, sent.stderr).toBe(0)
    await listen.waitFor('stdout', /\] through the loss\n/)
    proxy.kill('SIGINT')
    const json = JSON.parse((await proxy.finished()).stdout)
    expect(json).toMatchObject({ transport: 'kcp', direction: 'both', impairment: { loss: 0.3 } })
    // Datagrams both ways, counted as the UDP relay counts them.
    expect(json.stats.toServer.received).toBeGreaterThan(0)
    expect(json.stats.toClient.received).toBeGreaterThan(0)
  })

  it.skipIf(!hasSocat)('relays protolab send to a socat TCP server', async () => {
    const serverPort = await freePort('tcp')
    const server = start('socat', ['-u', `TCP-LISTEN:${serverPort},bind=127.0.0.1,reuseaddr`, 'STDOUT'])
    await waitForTcpSocket(serverPort, 'listen')
    const { proxy, port } = await startProxy(['-t', 'tcp', '--to', `127.0.0.1:${serverPort}`, '--json'])
    const sent = await runProtolab(['send', `127.0.0.1:${port}`, '-t', 'tcp', 'through', 'the', 'proxy'])
    expect(sent.code).toBe(0)
    const output = await server.finished()
    expect(output.stdout).toBe('through the proxy\n')
    proxy.kill('SIGINT')
    const json = JSON.parse((await proxy.finished()).stdout)
    expect(json.stats).toMatchObject({ accepted: 1, toServer: { bytes: 18 } })
  })

  it('refuses an impairment its transport cannot have, as bad usage', async () => {
    const result = await runProtolab([
      'proxy',
      '--listen',
      '0',
      '--to',
      '127.0.0.1:9',
      '-t',
      'tcp',
      '--dup',
      '5%',
    ])
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/^protolab: --dup applies to UDP only\nhint: /)
    const bad = await runProtolab(['proxy', '--listen', '0', '--to', '127.0.0.1:9', '--loss', '150%'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain('--loss "150%" is above 100%')
  })
})
