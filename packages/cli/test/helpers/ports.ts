import { createSocket } from 'node:dgram'
import { readFile } from 'node:fs/promises'
import { createServer } from 'node:net'

/**
 * A port the OS says is free now, found by binding port 0 and closing: for peers (nc, socat,
 * the GB2312 chat peer) that cannot report the port they were given. protolab itself is started on port 0
 * and says which port it got.
 */
export async function freePort(proto: 'udp' | 'tcp', host = '127.0.0.1'): Promise<number> {
  if (proto === 'tcp') {
    const server = createServer()
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, host, resolve))
    const address = server.address()
    await new Promise<void>((resolve) => server.close(() => resolve()))
    if (address === null || typeof address === 'string') throw new Error('no TCP address')
    return address.port
  }
  const socket = createSocket(host.includes(':') ? 'udp6' : 'udp4')
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject)
    socket.bind(0, host, resolve)
  })
  const { port } = socket.address()
  await new Promise<void>((resolve) => socket.close(() => resolve()))
  return port
}

/** TCP states as /proc/net/tcp writes them. */
const TCP_STATES = { established: '01', listen: '0A' } as const

/**
 * Waits until the kernel has a TCP socket on local `port` in `state` (a peer listening, or a
 * connection it accepted), read from /proc/net/tcp and tcp6 without connecting: a one-shot server
 * such as `socat TCP-LISTEN` would take a probe connection for its one client. Polls a bounded
 * number of times.
 */
export async function waitForTcpSocket(
  port: number,
  state: keyof typeof TCP_STATES,
  timeoutMs = 10_000,
): Promise<void> {
  const wanted = `:${port.toString(16).toUpperCase().padStart(4, '0')}`
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const tables = await Promise.all(
      ['/proc/net/tcp', '/proc/net/tcp6'].map((file) => readFile(file, 'utf8').catch(() => '')),
    )
    const found = tables
      .flatMap((table) => table.split('\n').slice(1))
      .some((line) => {
        const [, local, , st] = line.trim().split(/\s+/)
        return local?.endsWith(wanted) === true && st === TCP_STATES[state]
      })
    if (found) return
    if (Date.now() > deadline)
      throw new Error(`no TCP socket on port ${port} in state ${state} within ${timeoutMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}
