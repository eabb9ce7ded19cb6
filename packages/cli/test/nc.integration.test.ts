import { createHash, randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { decodeText, encodeText } from '@protolab/core'
import { afterEach, describe, expect, it } from 'vitest'
import { freePort } from './helpers/ports.js'
import { has, type Running, runProtolab, start, startProtolab, stopAll } from './helpers/processes.js'
import { startListening } from './helpers/protolab.js'

afterEach(stopAll)

const hasNc = has('nc')
const hasNcat = has('ncat')
const hasSocat = has('socat')
const hasPython = has('python3')

/** A whole transfer of 10 MiB, given time on a loaded machine; a bound, never what is measured. */
const TRANSFER_MS = 60_000
const FILE = randomBytes(10 * 1024 * 1024)
const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex')

/** Feeds `bytes` to a process's stdin and ends it. */
function feed(proc: Running, bytes: Uint8Array): void {
  proc.write(bytes)
  proc.end()
}

/** Senders of a file over TCP to 127.0.0.1:port, each ending its side at end of input. */
const senders: Record<string, { has: boolean; args: (port: number) => [string, string[]] }> = {
  'nc (OpenBSD)': { has: hasNc, args: (port) => ['nc', ['-N', '127.0.0.1', String(port)]] },
  ncat: { has: hasNcat, args: (port) => ['ncat', ['--send-only', '127.0.0.1', String(port)]] },
  socat: { has: hasSocat, args: (port) => ['socat', ['-u', '-', `TCP:127.0.0.1:${port}`]] },
}

/** Receivers of a file over TCP on 127.0.0.1:port that print it and say when they listen. */
const receivers: Record<string, { has: boolean; args: (port: number) => [string, string[]]; ready: RegExp }> =
  {
    'nc (OpenBSD)': {
      has: hasNc,
      args: (port) => ['nc', ['-v', '-l', '127.0.0.1', String(port)]],
      ready: /Listening on/,
    },
    ncat: {
      has: hasNcat,
      args: (port) => ['ncat', ['-v', '--recv-only', '-l', '127.0.0.1', String(port)]],
      ready: /Listening on/,
    },
    socat: {
      has: hasSocat,
      args: (port) => ['socat', ['-d', '-d', '-u', `TCP-LISTEN:${port},bind=127.0.0.1,reuseaddr`, '-']],
      ready: /listening on/,
    },
  }

describe('protolab nc moves a 10 MiB file byte for byte over TCP', () => {
  for (const [name, sender] of Object.entries(senders)) {
    it.skipIf(!sender.has)(`from ${name} into protolab nc -l`, async () => {
      const { proc, port } = await startListening(['nc', '-l', '-v', '0'])
      const [command, args] = sender.args(port)
      const peer = start(command, args)
      feed(peer, FILE)
      const done = await proc.finished(TRANSFER_MS)
      expect(done.code, done.stderr).toBe(0)
      expect((await peer.finished(TRANSFER_MS)).code).toBe(0)
      expect(proc.stdoutBytes().length).toBe(FILE.length)
      expect(sha256(proc.stdoutBytes())).toBe(sha256(FILE))
    })
  }

  for (const [name, receiver] of Object.entries(receivers)) {
    it.skipIf(!receiver.has)(`from protolab nc -N into ${name}`, async () => {
      const port = await freePort('tcp')
      const [command, args] = receiver.args(port)
      const peer = start(command, args)
      await peer.waitFor('stderr', receiver.ready, 10_000)
      const proc = startProtolab(['nc', '-N', '127.0.0.1', String(port)])
      feed(proc, FILE)
      const done = await proc.finished(TRANSFER_MS)
      expect(done.code, done.stderr).toBe(0)
      await peer.finished(TRANSFER_MS)
      expect(peer.stdoutBytes().length).toBe(FILE.length)
      expect(sha256(peer.stdoutBytes())).toBe(sha256(FILE))
    })
  }

  it.skipIf(!hasNc)('into protolab listen -t tcp -o bytes, in stream order with nothing added', async () => {
    const { proc, port } = await startListening(['listen', '0', '-t', 'tcp', '-o', 'bytes'])
    const peer = start('nc', ['-N', '127.0.0.1', String(port)])
    feed(peer, FILE)
    await untilStdoutBytes(proc, FILE.length)
    await proc.waitFor('stderr', /disconnected/, TRANSFER_MS)
    expect(sha256(proc.stdoutBytes())).toBe(sha256(FILE))
  })
})

describe('protolab listen -o bytes --json over UDP', () => {
  it.skipIf(!hasSocat)('shows 1,000 random datagrams from socat byte-exact, one JSON line each', async () => {
    const count = 1000
    const { proc, port } = await startListening([
      'listen',
      '0',
      '-o',
      'bytes',
      '--json',
      '--count',
      String(count),
    ])
    const socat = start('socat', ['-u', '-', `UDP-SENDTO:127.0.0.1:${port}`])
    const lines = countLines(proc)
    const sent: Buffer[] = []
    for (let i = 0; i < count; i++) {
      const datagram = randomBytes(1 + Math.floor(Math.random() * 1400))
      sent.push(datagram)
      // One datagram in flight: socat reads each write whole, and no socket buffer can overflow.
      socat.write(datagram)
      await lines.until(i + 1)
    }
    socat.end()
    const done = await proc.finished(10_000)
    expect(done.code, done.stderr).toBe(0)
    const received = done.stdout
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as { payload: string; bytes: number; truncated: boolean })
    expect(received).toHaveLength(count)
    expect(received.map((line) => line.bytes)).toEqual(sent.map((datagram) => datagram.length))
    expect(received.map((line) => line.payload)).toEqual(sent.map((datagram) => datagram.toString('base64')))
    expect(received.every((line) => !line.truncated && !('text' in line))).toBe(true)
  })
})

describe('protolab nc, a two-way session', () => {
  it.skipIf(!hasPython)(
    'prints the whole reply of python3 -m http.server and exits 0 once it closes',
    async () => {
      const server = start('python3', ['-u', '-m', 'http.server', '0', '--bind', '127.0.0.1'], {
        env: { PYTHONDONTWRITEBYTECODE: '1' },
      })
      const [, port] = await server.waitFor('stdout', /port (\d+)/, 10_000)
      const reply = await runProtolab(['nc', '127.0.0.1', String(port)], { input: 'GET / HTTP/1.0\r\n\r\n' })
      expect(reply.code, reply.stderr).toBe(0)
      expect(reply.stdout).toMatch(/^HTTP\/1\.0 200 OK\r\n[\s\S]*\r\n\r\n<!DOCTYPE HTML>[\s\S]*<\/html>\n$/)
      const length = Number(/Content-Length: (\d+)/.exec(reply.stdout)?.[1])
      expect(Buffer.byteLength(reply.stdout.slice(reply.stdout.indexOf('\r\n\r\n') + 4))).toBe(length)
    },
  )

  it.skipIf(!hasNcat)(
    'with -e gb2312 sends typed text as GB2312 and prints GB2312 as text, at once',
    async () => {
      const { proc, port } = await startListening(['nc', '-l', '-v', '-e', 'gb2312', '0'])
      const peer = start('ncat', ['127.0.0.1', String(port)])
      peer.write(encodeText('你好\n', 'gb2312'))
      await proc.waitFor('stdout', /你好\n/)
      // The session is still open both ways: the reply goes back while the peer is connected.
      proc.write('世界\n')
      await untilStdoutBytes(peer, 5)
      expect(decodeText(peer.stdoutBytes(), 'gb2312')).toBe('世界\n')
      peer.end()
      expect((await proc.finished()).code).toBe(0)
      expect(proc.stdout()).toBe('你好\n')
    },
  )

  it.skipIf(!hasNc)('with -N half-closes at end of input and prints the echo that follows', async () => {
    const { port } = await startListening(['listen', '0', '-t', 'tcp', '--echo'])
    const done = await runProtolab(['nc', '-N', '127.0.0.1', String(port)], { input: 'ping\npong\n' })
    expect(done.code, done.stderr).toBe(0)
    expect(done.stdout).toBe('ping\npong\n')
  })

  it('with -u sends input as datagrams and prints the replies, ending after -w seconds idle', async () => {
    const { port } = await startListening(['listen', '0', '--echo'])
    const proc = startProtolab(['nc', '-u', '-w', '1', '127.0.0.1', String(port)])
    proc.write('one')
    await proc.waitFor('stdout', /^one$/)
    proc.end()
    const done = await proc.finished(10_000)
    expect(done.code, done.stderr).toBe(0)
  })
})

describe('protolab nc -z', () => {
  it('exits 0 for a listening port and 1 for a closed one on 127.0.0.1', async () => {
    const { port } = await startListening(['listen', '0', '-t', 'tcp'])
    const open = await runProtolab(['nc', '-z', '-v', '127.0.0.1', String(port)])
    expect(open.code, open.stderr).toBe(0)
    expect(open.stderr).toContain(`127.0.0.1:${port} (tcp) is open`)
    const closedPort = await freePort('tcp')
    const closed = await runProtolab(['nc', '-z', '127.0.0.1', String(closedPort)])
    expect(closed.code).toBe(1)
    expect(closed.stderr).toContain(`port ${closedPort} (tcp): closed`)
  })

  it('rejects a bad range as bad usage', async () => {
    const bad = await runProtolab(['nc', '-z', '127.0.0.1', '90-80'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/^protolab: -z takes a port or a range/)
  })
})

/** Waits until a process has written at least `length` bytes to stdout. */
async function untilStdoutBytes(proc: Running, length: number): Promise<void> {
  let seen = proc.stdoutBytes().length
  while (seen < length) {
    const [chunk] = (await once(proc.child.stdout, 'data')) as [Buffer]
    seen += chunk.length
  }
}

/** Counts the lines a process writes to stdout, from now on. */
function countLines(proc: Running): { until(count: number): Promise<void> } {
  let lines = 0
  const waiters: { count: number; resolve: () => void }[] = []
  proc.child.stdout.on('data', (chunk: Buffer) => {
    for (const byte of chunk) if (byte === 0x0a) lines++
    for (const waiter of waiters.splice(0)) {
      if (lines >= waiter.count) waiter.resolve()
      else waiters.push(waiter)
    }
  })
  return {
    until: (count) =>
      lines >= count ? Promise.resolve() : new Promise((resolve) => waiters.push({ count, resolve })),
  }
}
