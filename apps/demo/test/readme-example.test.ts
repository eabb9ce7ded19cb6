import { readFileSync } from 'node:fs'
import type { Transport } from '@protolab/core'
import { tcp } from '@protolab/tcp'
import { udp } from '@protolab/udp'
import { describe, expect, it } from 'vitest'

// The root README's "One function, two transports" example, verbatim: the first test keeps the two
// copies identical, the others run it over both transports.
async function ping(transport: Transport, text: string): Promise<string> {
  const server = await transport.open({ bind: { host: '127.0.0.1', port: 0 }, listen: true })
  const client = await transport.open({ peer: server.localAddress! })
  await client.send(new TextEncoder().encode(text))
  for await (const message of server) {
    await server.send(message.payload, message.from) // echo it back to whoever sent it
    break
  }
  let reply = ''
  for await (const message of client) {
    reply = new TextDecoder().decode(message.payload)
    break
  }
  await Promise.all([client.close(), server.close()])
  return reply
}

describe("the README's example", () => {
  it('is the code the README shows', () => {
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8')
    const source = readFileSync(new URL(import.meta.url), 'utf8')
    const start = source.indexOf('async function ping(')
    const example = source.slice(start, source.indexOf('\n}\n', start) + 2)
    expect(example.length).toBeGreaterThan(100)
    expect(readme).toContain(example)
  })

  it('talks over UDP', async () => {
    expect(await ping(udp(), 'hello')).toBe('hello')
  })

  it('talks over TCP by changing only the transport', async () => {
    expect(await ping(tcp(), 'hello')).toBe('hello')
  })
})
