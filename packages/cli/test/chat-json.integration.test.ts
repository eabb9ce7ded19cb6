import { afterEach, describe, expect, it } from 'vitest'
import { startProtolab, stopAll } from './helpers/processes.js'
import { startListening } from './helpers/protolab.js'

afterEach(stopAll)

describe('protolab chat --json', () => {
  const events = (stdout: string): Record<string, unknown>[] =>
    stdout
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>)

  it('prints a TCP peer joining, its message and its leaving, with its address', async () => {
    const server = await startListening(['chat', '-t', 'tcp', '--listen', '0', '--json'])
    const client = startProtolab(['chat', '-t', 'tcp', '--peer', `127.0.0.1:${server.port}`])
    await client.waitFor('stderr', /chatting with .* from 127\.0\.0\.1:(\d+)/)
    client.write('hello\n')
    await server.proc.waitFor('stdout', /"event":"message"/)
    client.end()
    await server.proc.waitFor('stdout', /"event":"leave"/)
    server.proc.kill('SIGTERM')
    const lines = events((await server.proc.finished()).stdout)
    const from = lines[0]?.from as string
    expect(from).toMatch(/^127\.0\.0\.1:\d+$/)
    expect(lines.map((line) => [line.event, line.from, line.text])).toEqual([
      ['join', from, undefined],
      ['message', from, 'hello'],
      ['leave', from, undefined],
    ])
    expect(Object.keys(lines[1] ?? {})).toEqual(['event', 'from', 'address', 'port', 'text', 'time'])
  })

  it('prints what a room sees over UDP: a member joins with its name, speaks, and leaves', async () => {
    const room = await startListening(['chat', '--room', '0', '--json', '--member-timeout', '1'])
    const alice = startProtolab(['chat', '--peer', `127.0.0.1:${room.port}`, '--name', 'alice'])
    alice.write('hi\n')
    await room.proc.waitFor('stdout', /"event":"message"/)
    alice.end()
    await room.proc.waitFor('stdout', /"event":"leave"/)
    room.proc.kill('SIGTERM')
    const lines = events((await room.proc.finished()).stdout)
    expect(lines.map((line) => [line.event, line.name, line.text])).toEqual([
      ['join', 'alice', undefined],
      ['message', 'alice', 'hi'],
      ['leave', 'alice', undefined],
    ])
    expect(lines[2]?.reason).toMatch(/silent for more than 1 s/)
    expect(new Set(lines.map((line) => line.from)).size).toBe(1)
  })
})
