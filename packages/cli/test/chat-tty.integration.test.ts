import { spawnSync } from 'node:child_process'
import { createSocket, type Socket } from 'node:dgram'
import { afterEach, describe, expect, it } from 'vitest'
import { BIN, has } from './helpers/processes.js'

/** A tmux server of our own, so the test never touches a user's sessions. */
const SOCKET = `protolab-test-${process.pid}`

function tmux(...args: string[]): string {
  const result = spawnSync('tmux', ['-L', SOCKET, ...args], { encoding: 'utf8' })
  if (result.status !== 0) throw new Error(`tmux ${args.join(' ')} failed: ${result.stderr}`)
  return result.stdout
}

/** The visible lines of the pane, trailing blank lines dropped. */
function screen(): string[] {
  const lines = tmux('capture-pane', '-p', '-t', 'chat').split('\n')
  while (lines.length > 0 && lines.at(-1)?.trim() === '') lines.pop()
  return lines
}

async function waitForScreen(pattern: RegExp): Promise<RegExpMatchArray> {
  let match: RegExpMatchArray | null = null
  await expect
    .poll(
      () => {
        match = screen().join('\n').match(pattern)
        return match !== null
      },
      { timeout: 10_000, interval: 50 },
    )
    .toBe(true)
  return match as unknown as RegExpMatchArray
}

describe.skipIf(!has('tmux'))('protolab chat in a real terminal (tmux)', () => {
  let peer: Socket | undefined

  afterEach(() => {
    peer?.close()
    spawnSync('tmux', ['-L', SOCKET, 'kill-server'])
  })

  it('prints a message that arrives above the prompt and keeps the half-typed line intact', async () => {
    peer = createSocket('udp4')
    const socket = peer
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve))
    const peerPort = socket.address().port
    const command = `'${process.execPath}' '${BIN}' chat --bind 127.0.0.1:0 --peer 127.0.0.1:${peerPort}; echo EXIT=$?; sleep 60`
    tmux('new-session', '-d', '-s', 'chat', '-x', '100', '-y', '20', command)
    const chatPort = Number((await waitForScreen(/from 127\.0\.0\.1:(\d+)/))[1])

    tmux('send-keys', '-t', 'chat', '-l', 'half typ')
    await waitForScreen(/^> half typ$/m)

    socket.send(Buffer.from('incoming 你好'), chatPort, '127.0.0.1')
    await waitForScreen(/^>>> \[127\.0\.0\.1:\d+\] incoming 你好$/m)
    const lines = screen()
    const incoming = lines.indexOf(`>>> [127.0.0.1:${peerPort}] incoming 你好`)
    expect(incoming, lines.join('\n')).toBeGreaterThan(0)
    // The half-typed line is redrawn whole, below the message, and is the last thing on the screen.
    expect(lines.slice(incoming + 1), lines.join('\n')).toEqual(['> half typ'])

    // Finishing the line sends all of it, as one datagram.
    const received = new Promise<string>((resolve) =>
      socket.once('message', (data) => resolve(data.toString())),
    )
    tmux('send-keys', '-t', 'chat', '-l', 'ed')
    tmux('send-keys', '-t', 'chat', 'Enter')
    expect(await received).toBe('half typed')

    // Ctrl-C leaves cleanly, with exit code 0.
    tmux('send-keys', '-t', 'chat', 'C-c')
    await waitForScreen(/^EXIT=0$/m)
  })
})
