import { createServer } from 'node:net'

/** True when this machine can listen on ::1 (IPv6 can be disabled in containers). */
export function hasIPv6Loopback(): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen({ host: '::1', port: 0 }, () => server.close(() => resolve(true)))
  })
}
