import { encodeText } from '@protolab/core'
import { afterEach, describe, expect, it } from 'vitest'
import { freePort } from './helpers/ports.js'
import { has, runProtolab, start, stopAll } from './helpers/processes.js'
import { startListening } from './helpers/protolab.js'

afterEach(stopAll)

const hasNc = has('nc')
const hasNcat = has('ncat')
const hasSocat = has('socat')

describe('real peers to protolab listen', () => {
  it.skipIf(!hasSocat)('socat sends a UDP datagram', async () => {
    const { proc, port } = await startListening(['listen', '0', '--count', '1'])
    const socat = start('socat', ['-u', '-', `UDP-SENDTO:127.0.0.1:${port}`])
    socat.write('hello from socat')
    socat.end()
    expect((await socat.finished()).code).toBe(0)
    const done = await proc.finished()
    expect(done.code).toBe(0)
    expect(done.stdout).toMatch(/^\[127\.0\.0\.1:\d+\] hello from socat\n$/)
  })

  it.skipIf(!hasNc)('nc -u sends a GB2312 datagram', async () => {
    const { proc, port } = await startListening(['listen', '0', '--count', '1', '-e', 'gb2312'])
    const nc = start('nc', ['-u', '-q', '0', '127.0.0.1', String(port)])
    nc.write(encodeText('你好', 'gb2312'))
    nc.end()
    const done = await proc.finished()
    expect(done.stdout).toMatch(/^\[127\.0\.0\.1:\d+\] 你好\n$/)
  })

  it.skipIf(!hasNcat)('ncat sends lines over TCP', async () => {
    const { proc, port } = await startListening(['listen', '0', '-t', 'tcp', '--count', '2'])
    const ncat = start('ncat', ['--send-only', '127.0.0.1', String(port)])
    ncat.write('first line\nsecond line\n')
    ncat.end()
    const done = await proc.finished()
    expect(done.code).toBe(0)
    expect(done.stdout).toMatch(/^\[127\.0\.0\.1:(\d+)\] first line\n\[127\.0\.0\.1:\1\] second line\n$/)
  })

  it.skipIf(!hasNc)('nc gets its line echoed back over TCP before the connection closes', async () => {
    const { port } = await startListening(['listen', '0', '-t', 'tcp', '--echo'])
    const nc = start('nc', ['-N', '127.0.0.1', String(port)])
    nc.write('ping\n')
    nc.end()
    const done = await nc.finished()
    expect(done.code).toBe(0)
    expect(done.stdout).toBe('ping\n')
  })
})

describe('protolab send to real peers', () => {
  it.skipIf(!hasNcat)('ncat -l receives lines over TCP', async () => {
    const port = await freePort('tcp')
    const ncat = start('ncat', ['-v', '-l', '127.0.0.1', String(port)])
    await ncat.waitFor('stderr', /Listening on/)
    const sent = await runProtolab(['send', `127.0.0.1:${port}`, '-t', 'tcp'], { input: 'a\nb\n' })
    expect(sent.code, sent.stderr).toBe(0)
    const done = await ncat.finished()
    expect(done.stdout).toBe('a\nb\n')
  })

  it.skipIf(!hasNc)('nc -l receives length-prefixed frames over TCP, byte for byte', async () => {
    const port = await freePort('tcp')
    const nc = start('nc', ['-v', '-l', '127.0.0.1', String(port)])
    await nc.waitFor('stderr', /Listening on/)
    await runProtolab(['send', `127.0.0.1:${port}`, '-t', 'tcp', '-f', 'length', 'hi'])
    const done = await nc.finished()
    expect([...done.stdout].map((c) => c.charCodeAt(0))).toEqual([0, 0, 0, 2, 0x68, 0x69])
  })

  it.skipIf(!hasNc)('nc -u -l receives one GB2312 datagram, with no newline added', async () => {
    const port = await freePort('udp')
    const nc = start('nc', ['-u', '-v', '-l', '127.0.0.1', String(port)])
    await nc.waitFor('stderr', /Bound on/)
    const sent = await runProtolab(['send', `127.0.0.1:${port}`, '-e', 'gb2312', '你好'])
    expect(sent.code, sent.stderr).toBe(0)
    await expect.poll(() => nc.stdoutBytes().length, { timeout: 5000 }).toBe(4)
    expect(nc.stdoutBytes()).toEqual(Buffer.from(encodeText('你好', 'gb2312')))
  })

  it.skipIf(!hasSocat)('socat receives one datagram per line with -f line', async () => {
    const port = await freePort('udp')
    const socat = start('socat', ['-d', '-d', '-u', `UDP-RECV:${port},bind=127.0.0.1`, 'STDOUT'])
    await socat.waitFor('stderr', /starting data transfer loop/)
    await runProtolab(['send', `127.0.0.1:${port}`, '-f', 'line'], { input: 'one\ntwo\n' })
    await expect.poll(() => socat.stdout(), { timeout: 5000 }).toBe('one\ntwo\n')
  })
})
