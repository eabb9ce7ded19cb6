import { afterEach, describe, expect, it } from 'vitest'
import { decodeText, type Endpoint, encodeText, type SocketAddress } from '../src/index.js'
import { memoryTransport } from '../src/memory/index.js'
import { type ChatRoomEvent, runChatRoom, runTwoWay } from '../src/session/index.js'

const opened: Endpoint[] = []

afterEach(async () => {
  await Promise.all(opened.splice(0).map((endpoint) => endpoint.close()))
})

async function open(init: {
  bind?: { host: string; port: number }
  peer?: SocketAddress
}): Promise<Endpoint> {
  const endpoint = await memoryTransport().open(init)
  opened.push(endpoint)
  return endpoint
}

/** The next `count` messages of `endpoint`, as text. */
async function nextTexts(endpoint: Endpoint, count: number): Promise<string[]> {
  const texts: string[] = []
  if (count === 0) return texts
  for await (const message of endpoint) {
    texts.push(decodeText(message.payload, 'utf-8'))
    if (texts.length === count) break
  }
  return texts
}

describe('runChatRoom over a transport with message boundaries (members by their messages)', () => {
  it("relays each member's line to the others as <name> text, announces joins, escapes control characters", async () => {
    const room = await open({ bind: { host: '127.0.0.1', port: 0 } })
    const roomAddress = room.localAddress as SocketAddress
    const events: ChatRoomEvent[] = []
    const stop = new AbortController()
    const running = runChatRoom(room, {
      encoding: 'utf-8',
      maxMembers: 10,
      memberTimeoutMs: 60_000,
      signal: stop.signal,
      onEvent: (event) => {
        events.push(event)
      },
    })
    const bob = await open({ peer: roomAddress })
    const alice = await open({ peer: roomAddress })
    // An empty line says "I am here": bob joins without saying anything.
    await bob.send(encodeText('', 'utf-8'))
    const bobHears = nextTexts(bob, 2)
    await alice.send(encodeText('alice: hi \x1b[2J\n', 'utf-8'))
    expect(await bobHears).toEqual(['*** alice joined', '<alice> hi \\x1b[2J'])
    stop.abort()
    await running
    expect(room.closed).toBe(true)
    const bobKey = `127.0.0.1:${bob.localAddress?.port}`
    expect(events.map((event) => [event.kind, 'member' in event ? event.member.name : undefined])).toEqual([
      ['notice', undefined],
      ['notice', 'alice'],
      ['message', 'alice'],
    ])
    expect(events[0]).toMatchObject({ kind: 'notice', line: `*** ${bobKey} joined`, change: 'join' })
    expect(events[2]).toMatchObject({ kind: 'message', text: 'hi \x1b[2J', line: '<alice> hi \x1b[2J' })
  })

  it('turns a member away when the room is full, and tells of it', async () => {
    const room = await open({ bind: { host: '127.0.0.1', port: 0 } })
    const roomAddress = room.localAddress as SocketAddress
    const stop = new AbortController()
    let resolveFull = (_peer: SocketAddress): void => {}
    const full = new Promise<SocketAddress>((resolve) => {
      resolveFull = resolve
    })
    const running = runChatRoom(room, {
      encoding: 'utf-8',
      maxMembers: 1,
      memberTimeoutMs: 60_000,
      signal: stop.signal,
      onEvent: (event) => {
        if (event.kind === 'full') resolveFull(event.peer)
      },
    })
    const first = await open({ peer: roomAddress })
    const second = await open({ peer: roomAddress })
    await first.send(encodeText('first: here', 'utf-8'))
    await second.send(encodeText('second: me too', 'utf-8'))
    expect((await full).port).toBe(second.localAddress?.port)
    stop.abort()
    await running
  })
})

describe('runTwoWay', () => {
  it('connected: sends the input to the peer while the peer’s messages go to onMessage', async () => {
    const peer = await open({ bind: { host: '127.0.0.1', port: 0 } })
    const client = await open({ peer: peer.localAddress as SocketAddress })
    const stop = new AbortController()
    const received: string[] = []
    const session = runTwoWay(client, {
      listening: false,
      framing: 'line',
      halfClose: false,
      keepListening: false,
      signal: stop.signal,
      input: async function* () {
        yield encodeText('one', 'utf-8')
        yield encodeText('two', 'utf-8')
      },
      onMessage: (payload) => {
        received.push(decodeText(payload, 'utf-8'))
        stop.abort()
      },
    })
    // Over datagrams each input message goes framed in its own datagram.
    expect(await nextTexts(peer, 2)).toEqual(['one\n', 'two\n'])
    await peer.send(encodeText('back', 'utf-8'), client.localAddress)
    await session
    expect(received).toEqual(['back'])
    expect(client.closed).toBe(true)
  })

  it('listening without keepListening: talks with its first peer only, and sends it the input', async () => {
    const listener = await open({ bind: { host: '127.0.0.1', port: 0 } })
    const first = await open({ peer: listener.localAddress as SocketAddress })
    const other = await open({ peer: listener.localAddress as SocketAddress })
    const stop = new AbortController()
    const received: string[] = []
    let resolveInputRead = (): void => {}
    const inputRead = new Promise<void>((resolve) => {
      resolveInputRead = resolve
    })
    const session = runTwoWay(listener, {
      listening: true,
      framing: 'raw',
      halfClose: false,
      keepListening: false,
      signal: stop.signal,
      input: async function* () {
        yield encodeText('hello first', 'utf-8')
        resolveInputRead()
      },
      onMessage: (payload) => {
        received.push(decodeText(payload, 'utf-8'))
        if (received.length === 2) stop.abort()
      },
    })
    const firstHears = nextTexts(first, 1)
    await first.send(encodeText('a', 'utf-8'))
    await inputRead
    await other.send(encodeText('not you', 'utf-8'))
    await first.send(encodeText('b', 'utf-8'))
    await session
    expect(await firstHears).toEqual(['hello first'])
    expect(received).toEqual(['a', 'b'])
  })
})
