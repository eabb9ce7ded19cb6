import { once } from 'node:events'
import { connect, createServer, type Server, type Socket } from 'node:net'
import type { Endpoint, EndpointEvents, Message } from '@protolab/core'

/** How long a test waits for any one thing before it fails instead of hanging. */
export const WAIT_MS = 5_000

/** Tracks raw sockets and servers a test opened, and destroys them all in `afterEach`. */
export class RawSockets {
  private readonly sockets = new Set<Socket>()
  private readonly servers = new Set<Server>()

  /** A plain node:net client, connected; its 'error' is recorded, never thrown. */
  async connect(port: number, host = '127.0.0.1'): Promise<Socket> {
    const socket = connect({ port, host, allowHalfOpen: true })
    this.sockets.add(socket)
    socket.on('error', () => {})
    await once(socket, 'connect', { signal: AbortSignal.timeout(WAIT_MS) })
    return socket
  }

  /** A plain node:net server on 127.0.0.1, port 0, whose accepted sockets are tracked too. */
  async listen(onSocket: (socket: Socket) => void): Promise<{ server: Server; port: number }> {
    const server = createServer({ allowHalfOpen: true }, (socket) => {
      this.sockets.add(socket)
      socket.on('error', () => {})
      onSocket(socket)
    })
    this.servers.add(server)
    await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve))
    const address = server.address()
    if (address === null || typeof address === 'string') throw new Error('no port')
    return { server, port: address.port }
  }

  async destroyAll(): Promise<void> {
    for (const socket of this.sockets) socket.destroy()
    this.sockets.clear()
    await Promise.all(Array.from(this.servers, (server) => new Promise((resolve) => server.close(resolve))))
    this.servers.clear()
  }
}

/** A port that was free a moment ago: bound and released, for tools that cannot report the port they took. */
export async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve))
  const address = server.address()
  await new Promise((resolve) => server.close(resolve))
  if (address === null || typeof address === 'string') throw new Error('no port')
  return address.port
}

/** Everything a socket receives until it closes (or WAIT_MS passes), as one buffer. */
export async function readAll(socket: Socket): Promise<Buffer> {
  const chunks: Buffer[] = []
  socket.on('data', (chunk: Buffer) => chunks.push(chunk))
  if (!socket.readableEnded) await once(socket, 'end', { signal: AbortSignal.timeout(WAIT_MS) })
  return Buffer.concat(chunks)
}

/** Resolves with the arguments of the next `event`, or rejects after WAIT_MS. */
export function nextEvent<K extends keyof EndpointEvents>(
  endpoint: Endpoint,
  event: K,
): Promise<EndpointEvents[K]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      endpoint.off(event, listener)
      reject(new Error(`no ${event} event within ${WAIT_MS} ms`))
    }, WAIT_MS)
    const listener = ((...args: EndpointEvents[K]) => {
      clearTimeout(timer)
      endpoint.off(event, listener)
      resolve(args)
    }) as never
    endpoint.on(event, listener)
  })
}

/** The next `count` messages of an endpoint, or a rejection after WAIT_MS without one. */
export async function take(iterator: AsyncIterator<Message>, count: number): Promise<Message[]> {
  const messages: Message[] = []
  for (let i = 0; i < count; i++) {
    const result = await Promise.race([iterator.next(), timeout(`message ${i + 1} of ${count}`)])
    if (result.done === true) break
    messages.push(result.value)
  }
  return messages
}

/** Whether an endpoint's loop ends (true) or yields a message (false) within WAIT_MS. */
export async function ends(iterator: AsyncIterator<Message>): Promise<boolean> {
  const result = await Promise.race([iterator.next(), timeout('the end of the loop')])
  return result.done === true
}

function timeout(what: string): Promise<never> {
  return new Promise((_, reject) => {
    setTimeout(() => reject(new Error(`waited ${WAIT_MS} ms for ${what}`)), WAIT_MS).unref()
  })
}

/** UTF-8 bytes. */
export const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text)

/** UTF-8 text. */
export const text = (bytes: Uint8Array | undefined): string => new TextDecoder().decode(bytes)

/** Tracks endpoints a test opened, and closes them all in `afterEach`. */
export class Endpoints {
  private readonly opened: Endpoint[] = []

  async open<E extends Endpoint>(opening: Promise<E>): Promise<E> {
    const endpoint = await opening
    this.opened.push(endpoint)
    return endpoint
  }

  async closeAll(): Promise<void> {
    await Promise.allSettled(this.opened.splice(0).map((endpoint) => endpoint.close()))
  }
}
