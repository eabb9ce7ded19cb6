import { createServer, type Server } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { probeTcpPorts } from '../src/index.js'

const servers: Server[] = []

afterEach(async () => {
  await Promise.all(
    servers.splice(0).map((server) => new Promise<void>((resolve) => server.close(() => resolve()))),
  )
})

/** A real listener on 127.0.0.1 and its port. */
async function listen(): Promise<number> {
  const server = createServer((socket) => socket.destroy())
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  return (server.address() as { port: number }).port
}

/** A port nothing listens on: one the OS gave a listener that is closed again. */
async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  const { port } = server.address() as { port: number }
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

describe('probeTcpPorts (nc -z)', () => {
  it('finds the ports that accept a connection, and says why the others are closed', async () => {
    const open = await listen()
    const closed = await closedPort()
    const told: [number, boolean, string | undefined][] = []
    const found = await probeTcpPorts({
      address: '127.0.0.1',
      ports: [closed, open],
      timeoutMs: 10_000,
      onPort: (port, isOpen, error) => told.push([port, isOpen, (error as { code?: string })?.code]),
    })
    expect(found).toEqual([open])
    expect(told).toEqual([
      [closed, false, 'ERR_PEER_UNREACHABLE'],
      [open, true, undefined],
    ])
  })

  it('tries nothing once its signal is aborted', async () => {
    const open = await listen()
    const found = await probeTcpPorts({ address: '127.0.0.1', ports: [open], signal: AbortSignal.abort() })
    expect(found).toEqual([])
  })
})
