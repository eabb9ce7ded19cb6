import { createSocket } from 'node:dgram'
import { createConnection, type Socket } from 'node:net'
import {
  AccessList,
  AccessRuleError,
  accessListOf,
  type Endpoint,
  guardEndpoint,
  type Message,
  refusalLog,
  refusedByAccessList,
  type SocketAddress,
} from '@protolab/core'
import { tcp } from '@protolab/tcp'
import { udp } from '@protolab/udp'
import fc from 'fast-check'
import { afterEach, describe, expect, it } from 'vitest'
import { reportError } from '../src/errors.js'
import type { CliIO } from '../src/io.js'

/**
 * `--allow` / `--deny`: the rules (deny wins, IPv4-mapped addresses are their IPv4 address, bad
 * entries are bad usage), then an access list in front of real TCP and UDP listeners on
 * 127.0.0.1, which refuse by the client's address. Only 127.0.0.1 and ::1 are used: a rule that
 * leaves 127.0.0.1 out stands for any other host.
 */

describe('AccessList rules', () => {
  it('with no rules everyone gets in', () => {
    const list = AccessList.parse({})
    expect(list).toBe(AccessList.everyone)
    expect(list.restricts).toBe(false)
    expect(list.allows('203.0.113.9')).toBe(true)
    expect(list.allows('not an address')).toBe(true)
  })

  it.each([
    [{ allow: ['10.0.0.0/8'] }, '10.1.2.3', true],
    [{ allow: ['10.0.0.0/8'] }, '11.0.0.1', false],
    [{ allow: ['10.0.0.0/8'] }, '::ffff:10.9.9.9', true],
    [{ allow: ['::ffff:10.0.0.0/104'] }, '10.9.9.9', true],
    [{ allow: ['10.0.0.0/8'] }, '::1', false],
    [{ allow: ['::1'] }, '::1', true],
    [{ allow: ['::1'] }, '127.0.0.1', false],
    [{ allow: ['fe80::/10'] }, 'fe80::1%eth0', true],
    [{ allow: ['2001:db8::/32'] }, '2001:db8:ffff::1', true],
    [{ allow: ['2001:db8::/32'] }, '2001:db9::1', false],
    [{ deny: ['192.168.1.7'] }, '192.168.1.7', false],
    [{ deny: ['192.168.1.7'] }, '192.168.1.8', true],
    [{ allow: ['192.168.0.0/16'], deny: ['192.168.1.0/24'] }, '192.168.1.8', false],
    [{ allow: ['192.168.0.0/16'], deny: ['192.168.1.0/24'] }, '192.168.2.8', true],
    [{ allow: ['0.0.0.0/0'] }, '::1', false],
    [{ allow: ['::/0'] }, '127.0.0.1', false],
    [{ deny: ['::/0'] }, '127.0.0.1', true],
    [{ deny: ['0.0.0.0/0'] }, '::ffff:1.2.3.4', false],
    [{ allow: ['127.0.0.1'] }, 'localhost', false],
    [{ allow: ['127.0.0.1, ::1'] }, '::1', true],
  ])('%j: %s gets in: %s', (rules, address, expected) => {
    const list = AccessList.parse(rules)
    expect(list.allows(address)).toBe(expected)
    expect(list.reasonRefused(address) === undefined).toBe(expected)
  })

  it('says why an address is refused', () => {
    const list = AccessList.parse({ allow: ['10.0.0.0/8'], deny: ['10.0.0.0/24,10.0.1.0/24'] })
    expect(list.reasonRefused('10.0.1.5')).toBe('denied by --deny 10.0.1.0/24')
    expect(list.reasonRefused('172.16.0.1')).toBe('not in --allow')
    expect(list.reasonRefused('10.9.0.1')).toBeUndefined()
  })

  it.each([
    [{ allow: ['example.com'] }, /--allow .*example\.com/],
    [{ allow: ['10.0.0.0/33'] }, /--allow .*\/33/],
    [{ deny: ['10.0.0.1,,10.0.0.2'] }, /--deny has an empty entry/],
    [{ deny: [''] }, /--deny has an empty entry/],
    [{ allow: ['1.2.3.4:80'] }, /--allow/],
  ])('%j is bad usage (exit code 2)', async (rules, message) => {
    let caught: unknown
    try {
      AccessList.parse(rules)
    } catch (error) {
      caught = error
    }
    expect(caught).toBeInstanceOf(AccessRuleError)
    expect((caught as AccessRuleError).code).toBe('ERR_INVALID_ARGUMENT')
    expect((caught as AccessRuleError).message).toMatch(message)
    let stderr = ''
    const io = { stderr: { write: (text: string) => (stderr += text) }, env: {} } as unknown as CliIO
    expect(await reportError(caught, io)).toBe(2)
    expect(stderr).toMatch(/^hint: .*(IP addresses|separated by commas)/m)
  })

  it('repeated flags and comma-separated lists mean the same', () => {
    const repeated = accessListOf({ allow: ['10.0.0.0/8', '::1'], deny: ['10.0.0.1'] })
    const listed = accessListOf({ allow: ['10.0.0.0/8,::1'], deny: ['10.0.0.1'] })
    for (const address of ['10.0.0.1', '10.0.0.2', '::1', '::2', '127.0.0.1']) {
      expect(repeated.allows(address)).toBe(listed.allows(address))
    }
  })

  it('property: deny wins, and with no allow rule only deny rules refuse', () => {
    const ipv4 = fc.uint8Array({ minLength: 4, maxLength: 4 }).map((bytes) => bytes.join('.'))
    const prefix = fc
      .tuple(ipv4, fc.integer({ min: 0, max: 32 }))
      .map(([address, length]) => `${address}/${length}`)
    fc.assert(
      fc.property(
        fc.array(prefix, { maxLength: 3 }),
        fc.array(prefix, { maxLength: 3 }),
        ipv4,
        (allow, deny, address) => {
          const both = AccessList.parse({ allow, deny })
          const denyOnly = AccessList.parse({ deny })
          const allowOnly = AccessList.parse({ allow })
          expect(both.allows(address)).toBe(denyOnly.allows(address) && allowOnly.allows(address))
          expect(both.allows(`::ffff:${address}`)).toBe(both.allows(address))
        },
      ),
      { numRuns: 2000 },
    )
  })
})

describe('refusalLog', () => {
  it('tells each address once, and stops telling after a bounded number of addresses', () => {
    const lines: string[] = []
    const log = refusalLog((line) => lines.push(line))
    const peer = (address: string, port: number): SocketAddress => ({ address, port, family: 'IPv4' })
    for (let i = 0; i < 100; i++) log(peer('10.0.0.1', 1000 + i), 'not in --allow')
    expect(lines).toEqual(['[10.0.0.1:1000] refused: not in --allow'])
    for (let i = 0; i < 1000; i++) log(peer(`10.1.${i >> 8}.${i & 0xff}`, 1), 'not in --allow')
    expect(lines.length).toBeLessThanOrEqual(258)
    expect(lines.at(-1)).toMatch(/further refusals are counted, not shown/)
  })
})

describe('an access list in front of real listeners on 127.0.0.1', () => {
  const endpoints: Endpoint[] = []
  const sockets: Socket[] = []

  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.destroy()
    await Promise.all(endpoints.splice(0).map((endpoint) => endpoint.close()))
  })

  /** Resolves with what a raw TCP client saw: the bytes it read, and how its connection ended. */
  function tcpClient(port: number, payload: string): Promise<{ received: string; closed: boolean }> {
    return new Promise((resolve) => {
      const socket = createConnection({ host: '127.0.0.1', port })
      sockets.push(socket)
      let received = ''
      socket.setEncoding('utf8')
      socket.on('connect', () => socket.write(payload))
      socket.on('data', (chunk: string) => {
        received += chunk
      })
      socket.on('error', () => {})
      socket.on('close', () => resolve({ received, closed: true }))
    })
  }

  async function guardedTcp(rules: { allow?: string[]; deny?: string[] }) {
    const refusals: string[] = []
    const inner = await tcp({ framing: 'line' }).open({ bind: { host: '127.0.0.1', port: 0 }, listen: true })
    const endpoint = guardEndpoint(inner, AccessList.parse(rules), (peer, reason) =>
      refusals.push(`${peer.address} ${reason}`),
    )
    endpoints.push(endpoint)
    return { endpoint, refusals }
  }

  it('TCP: a refused client is closed at once and nothing it sent is read; the events hide it', async () => {
    const { endpoint, refusals } = await guardedTcp({ allow: ['::1'] })
    const connects: SocketAddress[] = []
    const disconnects: SocketAddress[] = []
    endpoint.on('connect', (peer) => connects.push(peer))
    endpoint.on('disconnect', (peer) => disconnects.push(peer))
    const messages: Message[] = []
    const reading = (async () => {
      for await (const message of endpoint) messages.push(message)
    })()
    // The client never ends its side: it is the server that closes.
    const results = await Promise.all(
      Array.from({ length: 5 }, () => tcpClient(endpoint.localAddress.port, 'let me in\n')),
    )
    expect(results.every((result) => result.closed && result.received === '')).toBe(true)
    expect(refusedByAccessList(endpoint)).toBe(5)
    expect(refusals).toEqual(Array(5).fill('127.0.0.1 not in --allow'))
    expect(endpoint.peers).toEqual([])
    await endpoint.close()
    await reading
    expect(messages).toEqual([])
    expect(connects).toEqual([])
    expect(disconnects).toEqual([])
  })

  it('TCP: deny wins over allow; an allowed client is served as before', async () => {
    const denied = await guardedTcp({ allow: ['127.0.0.0/8'], deny: ['127.0.0.1'] })
    await tcpClient(denied.endpoint.localAddress.port, 'x\n')
    expect(denied.refusals).toEqual(['127.0.0.1 denied by --deny 127.0.0.1'])

    const allowed = await guardedTcp({ allow: ['127.0.0.0/8'], deny: ['10.0.0.0/8'] })
    const iterator = allowed.endpoint[Symbol.asyncIterator]()
    const client = createConnection({ host: '127.0.0.1', port: allowed.endpoint.localAddress.port })
    sockets.push(client)
    client.write('hello\n')
    const { value } = await iterator.next()
    expect(Buffer.from((value as Message).payload).toString()).toBe('hello')
    await allowed.endpoint.send(new TextEncoder().encode('back'), (value as Message).from)
    const reply = await new Promise<string>((resolve) =>
      client.once('data', (chunk) => resolve(chunk.toString())),
    )
    expect(reply).toBe('back\n')
    expect(refusedByAccessList(allowed.endpoint)).toBe(0)
  })

  it('UDP: datagrams from a refused source are dropped and counted; the log tells it once', async () => {
    const inner = await udp().open({ bind: { host: '127.0.0.1', port: 0 } })
    const lines: string[] = []
    const endpoint = guardEndpoint(
      inner,
      AccessList.parse({ deny: ['127.0.0.1'] }),
      refusalLog((line) => lines.push(line)),
    )
    endpoints.push(endpoint)
    const port = endpoint.localAddress!.port
    const sender = createSocket('udp4')
    const messages: Message[] = []
    const reading = (async () => {
      for await (const message of endpoint) messages.push(message)
    })()
    for (let i = 0; i < 200; i++) {
      await new Promise<void>((resolve) => sender.send(`flood ${i}`, port, '127.0.0.1', () => resolve()))
    }
    // Bounded wait for the datagrams the kernel kept to be read (loopback drops none at this rate).
    for (let i = 0; i < 100 && refusedByAccessList(endpoint) < 200; i++)
      await new Promise((r) => setTimeout(r, 10))
    sender.close()
    await endpoint.close()
    await reading
    expect(messages).toEqual([])
    expect(refusedByAccessList(endpoint)).toBe(200)
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(/^\[127\.0\.0\.1:\d+\] refused: denied by --deny 127\.0\.0\.1$/)
  })

  it('without rules the endpoint is returned as it is', async () => {
    const inner = await udp().open({ bind: { host: '127.0.0.1', port: 0 } })
    endpoints.push(inner)
    expect(guardEndpoint(inner, AccessList.everyone)).toBe(inner)
  })
})
