import { isProtolabError } from '@protolab/core'
import { type TcpEndpoint, tcp } from '@protolab/tcp'
import { afterEach, describe, expect, it } from 'vitest'
import { Children } from './helpers/children.js'
import { Endpoints, ends, freePort, nextEvent, take, text, utf8 } from './helpers/sockets.js'
import { has, noteMissing } from './helpers/tools.js'

/** How each tool connects, and listens, on 127.0.0.1 with line-oriented stdio. */
const TOOLS = [
  {
    tool: 'socat',
    client: (port: number) => ['-', `TCP:127.0.0.1:${port}`],
    listener: (port: number) => [`TCP-LISTEN:${port},bind=127.0.0.1,reuseaddr`, '-'],
  },
  {
    tool: 'ncat',
    client: (port: number) => ['127.0.0.1', String(port)],
    listener: (port: number) => ['-l', '127.0.0.1', String(port)],
  },
  {
    // OpenBSD netcat: -N sends our FIN when stdin ends, as the others do by default.
    tool: 'nc',
    client: (port: number) => ['-N', '127.0.0.1', String(port)],
    listener: (port: number) => ['-N', '-l', '127.0.0.1', String(port)],
  },
] as const

for (const { tool } of TOOLS) noteMissing(tool)

const endpoints = new Endpoints()
const children = new Children()
afterEach(async () => {
  await children.killAll()
  await endpoints.closeAll()
})

/** Connects to a tool that was just started, retrying while it is not listening yet (bounded). */
async function connectWhenListening(port: number): Promise<TcpEndpoint> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await endpoints.open(tcp().open({ peer: { address: '127.0.0.1', port } }))
    } catch (error) {
      if (attempt >= 100 || !isProtolabError(error, 'ERR_PEER_UNREACHABLE')) throw error
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
  }
}

describe.each(TOOLS)('line-framed interop with $tool', ({ tool, client, listener }) => {
  it.skipIf(!has(tool))(`receives lines from ${tool} and answers it`, async () => {
    const server = await endpoints.open(tcp().open({ listen: true }))
    const child = children.spawn(tool, client(server.localAddress.port))
    child.process.stdin.write('one\ntwo, 两\n')

    const messages = await take(server[Symbol.asyncIterator](), 2)
    expect(messages.map((message) => text(message.payload))).toEqual(['one', 'two, 两'])
    const from = messages[0]!.from
    expect(from.address).toBe('127.0.0.1')
    expect(server.peers).toEqual([from])

    await server.send(utf8('reply from protolab'), from)
    await child.waitForOutput('reply from protolab\n')
    // Its stdin ends: it half-closes, we still get to say goodbye, then we close.
    const ended = nextEvent(server, 'end')
    child.process.stdin.end()
    await ended
    await server.send(utf8('bye'), from)
    await server.closePeer(from)
    await child.waitForOutput('bye\n')
    expect(await child.exited()).toBe(0)
  })

  it.skipIf(!has(tool))(`connects to ${tool} listening and talks both ways`, async () => {
    const port = await freePort()
    const child = children.spawn(tool, listener(port))
    const client = await connectWhenListening(port)

    await client.send(utf8('hello from protolab'))
    await child.waitForOutput('hello from protolab\n')
    child.process.stdin.write('hello from the other side\n')
    const inbox = client[Symbol.asyncIterator]()
    const [message] = await take(inbox, 1)
    expect(text(message?.payload)).toBe('hello from the other side')
    expect(message?.from).toEqual(client.remoteAddress)

    child.process.stdin.end()
    expect(await ends(inbox)).toBe(true)
    await client.close()
    expect(await child.exited()).toBe(0)
  })
})
