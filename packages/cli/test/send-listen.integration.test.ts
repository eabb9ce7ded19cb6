import { createSocket } from 'node:dgram'
import { connect } from 'node:net'
import { encodeText } from '@protolab/core'
import { afterEach, describe, expect, it } from 'vitest'
import { runProtolab, stopAll } from './helpers/processes.js'
import { sentFromPort, startListening } from './helpers/protolab.js'

afterEach(stopAll)

describe('protolab send to protolab listen', () => {
  it('carries GB2312 text in one UDP datagram and shows the sender as [address:port]', async () => {
    const { proc, port } = await startListening(['listen', '0', '-e', 'gb2312', '--count', '1'])
    const sent = await runProtolab(['send', `127.0.0.1:${port}`, '-e', 'gb2312', '-v', '你好，世界'])
    expect(sent.code, sent.stderr).toBe(0)
    const done = await proc.finished()
    expect(done.code).toBe(0)
    expect(done.stdout).toBe(`[127.0.0.1:${sentFromPort(sent.stderr)}] 你好，世界\n`)
  })

  it('writes an IPv6 sender as [[::1]:port]', async () => {
    const { proc, port } = await startListening(['listen', '[::1]:0', '--count', '1'])
    const sent = await runProtolab(['send', `[::1]:${port}`, '-v', 'hello'])
    expect(sent.stderr).toMatch(new RegExp(`from \\[::1\\]:\\d+ to \\[::1\\]:${port} over udp`))
    expect((await proc.finished()).stdout).toBe(`[[::1]:${sentFromPort(sent.stderr)}] hello\n`)
  })

  it('over KCP (-t kcp) delivers the message and says who connected; send waits for its ACK', async () => {
    const { proc, port } = await startListening(['listen', '0', '-t', 'kcp', '--count', '2'])
    const sent = await runProtolab(['send', `127.0.0.1:${port}`, '-t', 'kcp', '-v', '-f', 'line'], {
      input: 'one\n三\n',
    })
    expect(sent.code, sent.stderr).toBe(0)
    expect(sent.stderr).toMatch(new RegExp(`to 127\\.0\\.0\\.1:${port} over kcp`))
    const done = await proc.finished()
    expect(done.code, done.stderr).toBe(0)
    const from = sentFromPort(sent.stderr)
    expect(done.stderr).toContain(`[127.0.0.1:${from}] connected`)
    expect(done.stdout).toBe(`[127.0.0.1:${from}] one\n[127.0.0.1:${from}] 三\n`)
  })

  it('sends from the address asked with --bind', async () => {
    const { proc, port } = await startListening(['listen', '0', '--count', '1'])
    const sent = await runProtolab(['send', `127.0.0.1:${port}`, '--bind', '127.0.0.1:0', '-v', 'x'])
    expect((await proc.finished()).stdout).toBe(`[127.0.0.1:${sentFromPort(sent.stderr)}] x\n`)
  })

  it('over TCP sends standard input one line a message, and --json prints every field', async () => {
    const { proc, port } = await startListening(['listen', '0', '-t', 'tcp', '--count', '3', '--json'])
    const sent = await runProtolab(['send', `127.0.0.1:${port}`, '-t', 'tcp', '-v'], {
      input: 'one\ntwo\r\n三\n',
    })
    expect(sent.code, sent.stderr).toBe(0)
    expect(sent.stderr).toMatch(/^sent 3 messages \(9 bytes\) from 127\.0\.0\.1:\d+ to/m)
    const done = await proc.finished()
    expect(done.code).toBe(0)
    const from = sentFromPort(sent.stderr)
    const lines = done.stdout
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>)
    expect(lines.map((line) => line.text)).toEqual(['one', 'two', '三'])
    for (const line of lines) {
      expect(Object.keys(line)).toEqual(['from', 'address', 'port', 'bytes', 'text', 'truncated', 'time'])
      expect(line).toMatchObject({
        from: `127.0.0.1:${from}`,
        address: '127.0.0.1',
        port: from,
        truncated: false,
      })
      expect(new Date(line.time as string).toISOString()).toBe(line.time)
    }
    expect(lines.map((line) => line.bytes)).toEqual([3, 3, 3])
  })

  it('with --json says what it sent, to whom and from where, one line a message', async () => {
    const { proc, port } = await startListening(['listen', '0', '-t', 'tcp', '--count', '2'])
    const sent = await runProtolab(['send', `127.0.0.1:${port}`, '-t', 'tcp', '--json'], {
      input: 'one\n二\n',
    })
    expect(sent.code, sent.stderr).toBe(0)
    const lines = sent.stdout
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>)
    expect(lines.map((line) => [line.text, line.bytes])).toEqual([
      ['one', 3],
      ['二', 3],
    ])
    for (const line of lines) {
      expect(Object.keys(line)).toEqual(['to', 'address', 'port', 'from', 'transport', 'bytes', 'text'])
      expect(line).toMatchObject({ to: `127.0.0.1:${port}`, address: '127.0.0.1', port, transport: 'tcp' })
    }
    const from = (await proc.finished()).stdout.match(/^\[(127\.0\.0\.1:\d+)\]/)?.[1]
    expect(lines[0]?.from).toBe(from)
  })

  it('over UDP sends all of standard input as one datagram (raw), its newlines shown escaped', async () => {
    const { proc, port } = await startListening(['listen', '0', '--count', '1'])
    await runProtolab(['send', `127.0.0.1:${port}`], { input: 'a\nb\n' })
    expect((await proc.finished()).stdout).toMatch(/^\[127\.0\.0\.1:\d+\] a\\nb\n$/)
  })

  it('makes control characters from a peer visible, unless --raw', async () => {
    const attack = '\x1b[2Jwiped\x07'
    const safe = await startListening(['listen', '0', '--count', '1'])
    await runProtolab(['send', `127.0.0.1:${safe.port}`, attack])
    const shown = (await safe.proc.finished()).stdout
    expect(shown).toMatch(/\] \\x1b\[2Jwiped\\x07\n$/)
    expect(shown).not.toContain('\x1b')
    const raw = await startListening(['listen', '0', '--count', '1', '--raw'])
    await runProtolab(['send', `127.0.0.1:${raw.port}`, attack])
    expect((await raw.proc.finished()).stdout).toContain(attack)
  })

  it('cuts a datagram longer than --max-bytes and marks it truncated', async () => {
    const human = await startListening(['listen', '0', '--count', '1', '--max-bytes', '4'])
    await runProtolab(['send', `127.0.0.1:${human.port}`, 'abcdefgh'])
    expect((await human.proc.finished()).stdout).toMatch(/\] abcd \[truncated to 4 bytes\]\n$/)
    const json = await startListening(['listen', '0', '--count', '1', '--max-bytes', '4', '--json'])
    await runProtolab(['send', `127.0.0.1:${json.port}`, 'abcdefgh'])
    expect(JSON.parse((await json.proc.finished()).stdout)).toMatchObject({
      bytes: 4,
      text: 'abcd',
      truncated: true,
    })
  })

  it('prints a hex dump with --hex', async () => {
    const { proc, port } = await startListening(['listen', '0', '--count', '1', '--hex'])
    await runProtolab(['send', `127.0.0.1:${port}`, 'hello, protolab!!'])
    const lines = (await proc.finished()).stdout.split('\n')
    expect(lines[0]).toMatch(/^\[127\.0\.0\.1:\d+\] 17 bytes$/)
    expect(lines[1]).toBe('  00000000  68 65 6c 6c 6f 2c 20 70  72 6f 74 6f 6c 61 62 21  |hello, protolab!|')
    expect(lines[2]).toBe('  00000010  21                                                |!|')
  })

  it('decodes a raw TCP stream with a streaming decoder, so characters cut between chunks stay whole', async () => {
    const { proc, port } = await startListening([
      'listen',
      '0',
      '-t',
      'tcp',
      '-f',
      'raw',
      '-e',
      'gb2312',
      '--json',
    ])
    const bytes = encodeText('你好，世界', 'gb2312')
    const socket = connect(port, '127.0.0.1')
    await new Promise<void>((resolve) => socket.once('connect', resolve))
    socket.setNoDelay(true)
    for (const byte of bytes) {
      await new Promise<void>((resolve) => socket.write(Buffer.of(byte), () => resolve()))
      await new Promise((resolve) => setTimeout(resolve, 2))
    }
    socket.end()
    await proc.waitFor('stderr', /disconnected/)
    proc.kill('SIGTERM')
    const done = await proc.finished()
    expect(done.code).toBe(0)
    const texts = done.stdout
      .trimEnd()
      .split('\n')
      .map((line) => (JSON.parse(line) as { text: string }).text)
    expect(texts.join('')).toBe('你好，世界')
  })

  it('echoes each UDP datagram back with --echo', async () => {
    const { proc, port } = await startListening(['listen', '0', '--echo', '--count', '1'])
    const socket = createSocket('udp4')
    try {
      const reply = new Promise<string>((resolve) =>
        socket.once('message', (data) => resolve(data.toString())),
      )
      await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve))
      socket.send('ping', port, '127.0.0.1')
      expect(await reply).toBe('ping')
    } finally {
      socket.close()
    }
    expect((await proc.finished()).code).toBe(0)
  })

  it('listens on ::1 for a bare port with -6, and resolves host names with -4', async () => {
    const v6 = await startListening(['listen', '-6', '0', '--count', '1'])
    expect(v6.proc.stderr()).toMatch(/listening on \[::1\]:\d+ \(udp\)/)
    await runProtolab(['send', `[::1]:${v6.port}`, 'six'])
    expect((await v6.proc.finished()).stdout).toMatch(/^\[\[::1\]:\d+\] six\n$/)
    const v4 = await startListening(['listen', '0', '--count', '1'])
    const sent = await runProtolab(['send', '-4', `localhost:${v4.port}`, '-v', 'four'])
    expect(sent.stderr).toMatch(new RegExp(`to 127\\.0\\.0\\.1:${v4.port} over udp`))
    expect((await v4.proc.finished()).stdout).toMatch(/^\[127\.0\.0\.1:\d+\] four\n$/)
  })

  it("with -f line over UDP, sends one datagram per line and reads each datagram's lines", async () => {
    const { proc, port } = await startListening(['listen', '0', '-f', 'line', '--count', '2', '--json'])
    await runProtolab(['send', `127.0.0.1:${port}`, '-f', 'line'], { input: 'one\ntwo\n' })
    const lines = (await proc.finished()).stdout.trimEnd().split('\n')
    expect(lines.map((line) => (JSON.parse(line) as { text: string; bytes: number }).text)).toEqual([
      'one',
      'two',
    ])
  })

  it('exits 0 on SIGTERM', async () => {
    const { proc } = await startListening(['listen', '0', '-t', 'tcp'])
    proc.kill('SIGTERM')
    expect((await proc.finished()).code).toBe(0)
  })
})

describe('runtime failures: exit code 1 and one line', () => {
  it('says which port is in use and how to see who holds it', async () => {
    for (const transport of ['udp', 'tcp']) {
      const { port } = await startListening(['listen', '0', '-t', transport])
      const result = await runProtolab(['listen', String(port), '-t', transport])
      expect(result.code).toBe(1)
      expect(result.stderr).toBe(
        `protolab: port ${port} is already in use on 127.0.0.1\nhint: another socket holds port ${port}; see which with 'protolab ports --listening', or pick another port (0 lets the OS choose)\n`,
      )
    }
  })

  it('refuses a message too large for a UDP datagram, with a hint', async () => {
    const result = await runProtolab(['send', '127.0.0.1:9'], { input: 'a'.repeat(70_000) })
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(
      /^protolab: message of 70000 bytes is larger than the 65507-byte limit of a datagram\nhint: .*-t tcp.*\n$/,
    )
  })

  it('says a TCP peer is unreachable when nothing listens', async () => {
    const { proc, port } = await startListening(['listen', '0', '-t', 'tcp'])
    proc.kill('SIGKILL')
    await proc.finished()
    for (const args of [
      ['send', `127.0.0.1:${port}`, '-t', 'tcp', 'hello'],
      ['chat', '-t', 'tcp', '--peer', `127.0.0.1:${port}`],
    ]) {
      const result = await runProtolab(args)
      expect(result.code).toBe(1)
      const [first, hint, ...rest] = result.stderr.trimEnd().split('\n')
      expect(first).toBe(`protolab: peer 127.0.0.1:${port} is unreachable`)
      expect(hint).toMatch(/^hint: /)
      expect(rest).toEqual([])
    }
  })
})
