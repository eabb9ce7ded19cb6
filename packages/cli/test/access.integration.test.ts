import { connect } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { runProtolab, stopAll } from './helpers/processes.js'
import { startListening } from './helpers/protolab.js'

afterEach(stopAll)

describe('--allow and --deny on listeners', () => {
  it('UDP: drops datagrams from peers not allowed, judging IPv4 peers of a dual-stack socket by their IPv4 address', async () => {
    const { proc, port } = await startListening(['listen', '[::]:0', '--allow', '::1', '--count', '1'])
    await runProtolab(['send', `127.0.0.1:${port}`, 'from IPv4'])
    await proc.waitFor('stderr', /\[\[::ffff:127\.0\.0\.1\]:\d+\] refused by --allow\/--deny/)
    await runProtolab(['send', `[::1]:${port}`, 'from IPv6'])
    const done = await proc.finished()
    expect(done.code).toBe(0)
    expect(done.stdout).toMatch(/^\[\[::1\]:\d+\] from IPv6\n$/)

    const mapped = await startListening(['listen', '[::]:0', '--allow', '127.0.0.0/8', '--count', '1'])
    await runProtolab(['send', `127.0.0.1:${mapped.port}`, 'mapped'])
    expect((await mapped.proc.finished()).stdout).toMatch(/^\[\[::ffff:127\.0\.0\.1\]:\d+\] mapped\n$/)
  })

  it('TCP: disconnects a denied peer as it connects, and reads nothing from it', async () => {
    const { proc, port } = await startListening([
      'listen',
      '0',
      '-t',
      'tcp',
      '--deny',
      '10.0.0.0/8,127.0.0.1',
    ])
    const socket = connect(port, '127.0.0.1')
    socket.on('error', () => {})
    socket.write('let me in\n')
    await new Promise<void>((resolve) => socket.once('close', () => resolve()))
    await proc.waitFor('stderr', /refused by --allow\/--deny/)
    proc.kill('SIGTERM')
    const done = await proc.finished()
    expect(done.code).toBe(0)
    expect(done.stdout).toBe('')
  })

  it('TCP room: a denied member never joins', async () => {
    const room = await startListening(['chat', '--room', '0', '-t', 'tcp', '--allow', '::1'])
    const socket = connect(room.port, '127.0.0.1')
    socket.on('error', () => {})
    socket.write('hello\n')
    await new Promise<void>((resolve) => socket.once('close', () => resolve()))
    await room.proc.waitFor('stderr', /refused by --allow\/--deny/)
    room.proc.kill('SIGTERM')
    const done = await room.proc.finished()
    expect(done.stdout).toBe('')
  })
})
