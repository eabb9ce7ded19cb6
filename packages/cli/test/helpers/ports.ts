import { createSocket } from 'node:dgram'
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
