import dgram from 'node:dgram'

/** True when the host can bind a UDP socket on the IPv6 loopback `::1`. */
export async function hasIPv6Loopback(): Promise<boolean> {
  const socket = dgram.createSocket('udp6')
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject)
      socket.bind(0, '::1', () => resolve())
    })
    return true
  } catch {
    return false
  } finally {
    socket.close()
  }
}
