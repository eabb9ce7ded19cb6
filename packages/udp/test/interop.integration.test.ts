import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { type Endpoint, encodeText } from '@protolab/core'
import { udp } from '@protolab/udp'
import { afterEach, describe, expect, it } from 'vitest'
import { freePort, has, nextMessage, stdoutUntil, stop } from './_helpers.js'

const GB2312_CHAT = fileURLToPath(new URL('../../../test-peers/gb2312_chat.py', import.meta.url))
const hasPython = has('python3') && existsSync(GB2312_CHAT)
const hasSocat = has('socat')
if (!hasPython)
  console.warn(`udp interop: python3 or ${GB2312_CHAT} not found, skipping the GB2312 chat peer tests`)
if (!hasSocat) console.warn('udp interop: socat not found, skipping the socat tests')

const HELLO = '你好，世界'
/** '你好，世界' in GB2312, written out so the check does not rest on the codec alone. */
const HELLO_GB2312 = [0xc4, 0xe3, 0xba, 0xc3, 0xa3, 0xac, 0xca, 0xc0, 0xbd, 0xe7]

const endpoints: Endpoint[] = []
const children: ChildProcess[] = []

afterEach(async () => {
  await Promise.allSettled([...endpoints.splice(0).map((e) => e.close()), ...children.splice(0).map(stop)])
})

function run(command: string, args: string[]): ChildProcess {
  const child = spawn(command, args, {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, PYTHONIOENCODING: 'utf-8' },
  })
  children.push(child)
  return child
}

async function bound(port = 0): Promise<Endpoint> {
  const endpoint = await udp().open({ bind: { host: '127.0.0.1', port } })
  endpoints.push(endpoint)
  return endpoint
}

/**
 * Resolves with the first match of `pattern` in what `child` writes on stderr: the peer says it is
 * ready, so what a test waits for next is the datagram, not the peer's start-up. Rejects if the
 * child exits first, or after 10 s of start-up.
 */
function readyLine(child: ChildProcess, pattern: RegExp): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let stderr = ''
    const finish = (): void => {
      clearTimeout(timer)
      child.stderr?.off('data', onData)
      child.off('exit', onExit)
    }
    const onData = (chunk: Buffer): void => {
      stderr += chunk.toString()
      const match = pattern.exec(stderr)
      if (match === null) return
      finish()
      resolve(match)
    }
    const onExit = (): void => {
      finish()
      reject(new Error(`the peer exited before it printed ${pattern}: ${stderr}`))
    }
    const timer = setTimeout(() => {
      finish()
      reject(new Error(`the peer did not print ${pattern} within 10 s of starting: ${stderr}`))
    }, 10_000)
    child.stderr?.on('data', onData)
    child.once('exit', onExit)
  })
}

/** Starts the chat peer on a port the OS chooses; resolves once it says it is bound (`--ready`). */
async function seedChat(destPort: number): Promise<{ chat: ChildProcess; port: number }> {
  const chat = run('python3', [
    GB2312_CHAT,
    '--bind',
    '0',
    '--dest',
    `127.0.0.1:${destPort}`,
    '--linger',
    '0.2',
    '--ready',
  ])
  const [, port] = await readyLine(chat, /^bound to port (\d+)$/m)
  return { chat, port: Number(port) }
}

/** socat -d -d says this once both its addresses are open (bound, connected), before it moves any data. */
const SOCAT_READY = /starting data transfer loop/

describe.skipIf(!hasPython)('udp interop with test-peers/gb2312_chat.py (a GB2312 chat in Python)', () => {
  it('receives its GB2312 line with its bound port as `from`, and its reply to `m.from` is printed', async () => {
    expect(Array.from(encodeText(HELLO, 'gb2312'))).toEqual(HELLO_GB2312)
    const endpoint = await bound()
    const ourPort = endpoint.localAddress?.port ?? 0
    const { chat, port: pythonPort } = await seedChat(ourPort)
    chat.stdin?.write(`${HELLO}\n`)

    const message = await nextMessage(endpoint)
    expect(Array.from(message.payload)).toEqual(HELLO_GB2312)
    expect(message.from).toEqual({ address: '127.0.0.1', port: pythonPort, family: 'IPv4' })

    const reply = '收到：你好'
    const printed = stdoutUntil(chat, (out) => out.includes(`${reply}\n`))
    await endpoint.send(encodeText(reply, 'gb2312'), message.from)
    expect(await printed).toContain(`>>>[('127.0.0.1', ${ourPort})]${reply}\n`)
    chat.stdin?.end()
  })

  it('prints a line sent from an endpoint without bind, naming the port the OS chose', async () => {
    const { chat, port: pythonPort } = await seedChat(9)
    const endpoint = await udp().open()
    endpoints.push(endpoint)

    const printed = stdoutUntil(chat, (out) => out.includes(`${HELLO}\n`))
    await endpoint.send(Uint8Array.from(HELLO_GB2312), { address: '127.0.0.1', port: pythonPort })
    const ourPort = endpoint.localAddress?.port
    expect(await printed).toBe(`>>>[('127.0.0.1', ${ourPort})]${HELLO}\n`)
    chat.stdin?.end()
  })
})

describe.skipIf(!hasSocat)('udp interop with socat', () => {
  it('receives what `socat - UDP-SENDTO` sends, with its source port as `from`', async () => {
    const endpoint = await bound()
    const sourcePort = await freePort()
    const socat = run('socat', [
      '-d',
      '-d',
      '-u',
      '-',
      `UDP-SENDTO:127.0.0.1:${endpoint.localAddress?.port},sourceport=${sourcePort}`,
    ])
    await readyLine(socat, SOCAT_READY)
    socat.stdin?.end('hello from socat\n')

    const message = await nextMessage(endpoint)
    expect(new TextDecoder().decode(message.payload)).toBe('hello from socat\n')
    expect(message.from).toEqual({ address: '127.0.0.1', port: sourcePort, family: 'IPv4' })
  })

  it('sends exact bytes that `socat -u UDP-RECV` writes out', async () => {
    const port = await freePort()
    const socat = run('socat', ['-d', '-d', '-u', `UDP-RECV:${port},bind=127.0.0.1`, 'STDOUT'])
    // Its own word that it is bound: probing the port by binding it could take it from socat.
    await readyLine(socat, SOCAT_READY)
    const endpoint = await udp().open({ peer: { address: '127.0.0.1', port } })
    endpoints.push(endpoint)

    const written = stdoutUntil(socat, (out) => out.includes('\n'))
    await endpoint.send(new TextEncoder().encode('hello socat, ünïcode\n'))
    expect(await written).toBe('hello socat, ünïcode\n')
  })
})
