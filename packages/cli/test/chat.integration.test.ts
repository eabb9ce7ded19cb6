import { afterEach, describe, expect, it } from 'vitest'
import { freePort } from './helpers/ports.js'
import { GB2312_CHAT, has, start, startProtolab, stopAll } from './helpers/processes.js'
import { startListening } from './helpers/protolab.js'

afterEach(stopAll)

describe.skipIf(!has('python3'))(
  'protolab chat with the GB2312 chat peer (test-peers/gb2312_chat.py), in GB2312 both ways',
  () => {
    it('shows each side the exact text and the address it came from', async () => {
      const seedPort = await freePort('udp')
      const chatPort = await freePort('udp')
      const chat = startProtolab([
        'chat',
        '-t',
        'udp',
        '-e',
        'gb2312',
        '--bind',
        String(chatPort),
        '--peer',
        `127.0.0.1:${seedPort}`,
      ])
      await chat.waitFor('stderr', /\*\*\* chatting with 127\.0\.0\.1:\d+ over udp from 127\.0\.0\.1:\d+/)
      const seed = start('python3', [
        GB2312_CHAT,
        '--bind',
        String(seedPort),
        '--dest',
        `127.0.0.1:${chatPort}`,
        '--encoding',
        'gb2312',
        '--linger',
        '0.2',
        '--ready',
      ])
      // Once it says it is bound, its line leaves from its port at once: what is waited for next
      // is the datagram, not Python's start-up.
      await seed.waitFor('stderr', /^bound to port \d+$/m, 10_000)
      seed.write('你好，我是种子\n')
      await chat.waitFor('stdout', /你好，我是种子\n/)
      expect(chat.stdout()).toBe(`>>> [127.0.0.1:${seedPort}] 你好，我是种子\n`)

      chat.write('收到，我是protolab\n')
      await seed.waitFor('stdout', /收到，我是protolab\n/)
      expect(seed.stdout()).toBe(`>>>[('127.0.0.1', ${chatPort})]收到，我是protolab\n`)

      chat.write('/quit\n')
      const chatDone = await chat.finished()
      expect(chatDone.code).toBe(0)
      seed.end()
      expect((await seed.finished()).code).toBe(0)
    })
  },
)

describe('protolab chat over TCP', () => {
  it('is full duplex between a listening side and a connecting side, and ends cleanly', async () => {
    const server = await startListening(['chat', '-t', 'tcp', '--listen', '0'])
    const client = startProtolab(['chat', '-t', 'tcp', '--peer', `127.0.0.1:${server.port}`])
    const connected = await server.proc.waitFor('stderr', /\*\*\* \[127\.0\.0\.1:(\d+)\] connected/)
    const clientPort = connected[1]
    client.write('hello from the client\n')
    await server.proc.waitFor('stdout', /hello from the client/)
    server.proc.write('hello from the server\n')
    await client.waitFor('stdout', /hello from the server/)
    expect(server.proc.stdout()).toBe(`>>> [127.0.0.1:${clientPort}] hello from the client\n`)
    expect(client.stdout()).toBe(`>>> [127.0.0.1:${server.port}] hello from the server\n`)

    // The server leaves: the client hears the connection close and ends with exit code 0.
    server.proc.write('/quit\n')
    expect((await server.proc.finished()).code).toBe(0)
    const done = await client.finished()
    expect(done.code).toBe(0)
    expect(done.stderr).toMatch(/closed the connection/)
  })

  it('exits 0 on Ctrl-C (SIGINT) with standard input piped', async () => {
    const server = await startListening(['chat', '-t', 'tcp', '--listen', '0'])
    server.proc.kill('SIGINT')
    const done = await server.proc.finished()
    expect(done.code).toBe(0)
    expect(done.stderr).not.toMatch(/protolab:/)
  })
})

describe.each(['tcp', 'udp'])('protolab chat --room over %s', (transport) => {
  it("relays every line to the other members with the sender's name, and announces who joins and leaves", async () => {
    const room = await startListening(['chat', '--room', '0', '-t', transport, '--member-timeout', '1'])
    const peer = `127.0.0.1:${room.port}`
    const alice = startProtolab(['chat', '-t', transport, '--peer', peer, '--name', 'alice'])
    const bob = startProtolab(['chat', '-t', transport, '--peer', peer, '--name', 'bob'])
    await alice.waitFor('stderr', /chatting with/)
    await bob.waitFor('stderr', /chatting with/)
    alice.write('hi, I am alice\n')
    await room.proc.waitFor('stdout', /<alice> hi, I am alice/)
    bob.write('hello alice\n')
    await alice.waitFor('stdout', /<bob> hello alice/)
    expect(alice.stdout()).toMatch(
      new RegExp(`^>>> \\[127\\.0\\.0\\.1:${room.port}\\] <bob> hello alice$`, 'm'),
    )
    expect(alice.stdout()).not.toMatch(/<alice>/)
    alice.write('bye\n')
    await bob.waitFor('stdout', /<alice> bye/)
    alice.end()
    expect((await alice.finished()).code).toBe(0)
    // Over UDP, bob speaks after alice's last line, so he stays in the room longer than she does.
    bob.write('still here\n')
    // TCP: alice's close; UDP: a second of silence. Bob hears of it after her last line.
    await bob.waitFor('stdout', /\*\*\* alice left/)
    const bobSaw = bob.stdout()
    expect(bobSaw.indexOf('<alice> bye')).toBeLessThan(bobSaw.indexOf('*** alice left'))
    // Over TCP bob was a member from his connection on; over UDP only from his first line.
    if (transport === 'tcp') expect(bobSaw).toMatch(/<alice> hi, I am alice/)
    else expect(bobSaw).not.toMatch(/<alice> hi, I am alice/)
    bob.end()
    expect((await bob.finished()).code).toBe(0)
    room.proc.kill('SIGTERM')
    expect((await room.proc.finished()).code).toBe(0)
  })
})
