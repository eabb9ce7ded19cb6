import { createServer, type Server } from 'node:net'
import fc from 'fast-check'
import { afterEach, describe, expect, it } from 'vitest'
import { ControlProtocolError } from '../../lab/src/remote/errors.js'
import { encodeControlMessage, parseControlMessage } from '../../lab/src/remote/protocol.js'
import { runProtolab, startProtolab, stopAll } from './helpers/processes.js'

/**
 * The decoders of peer input the command relies on: the lab's control channel (a `lab serve` reads
 * what any client sends, a `lab run` what any server sends); then what of a hostile peer's text
 * reaches a terminal through `lab serve`'s log and `lab run`'s errors. (The frames inside a
 * datagram are fuzzed with their code, in core's framing-datagram test.)
 */

const servers: Server[] = []

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))))
  await stopAll()
})

/** Control characters that must never reach a terminal from a peer. */
const RAW_CONTROL = /[\x00-\x09\x0b-\x1f\x7f\u0080-\u009f\u202a-\u202e\u2066-\u2069]/

const TYPES = [
  'hello',
  'error',
  'clock',
  'session',
  'ready',
  'start',
  'started',
  'sent',
  'received',
  'report',
  'end',
  'ping',
  'pong',
  'bye',
  'nope',
  '__proto__',
  '\u009b2J',
]

/** JSON values of every kind, nested a little. */
const jsonValue = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constant(null),
    fc.boolean(),
    fc.double(),
    fc.integer(),
    fc.constantFrom(0, 1, 2, -1, 2 ** 32, 65535, 65536, Number.MAX_SAFE_INTEGER),
    fc.string({ maxLength: 12 }),
    fc.constantFrom('udp', 'tcp', 'forward', 'reverse', 'oneway', 'rtt', 'busy', 'protolab-lab'),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(fc.string({ maxLength: 6 }), tie('value'), { maxKeys: 3 }),
  ),
})).value

/** Objects shaped like control messages: a known (or unknown) type and fields of the right names with any values. */
const controlLike = fc
  .record({
    type: fc.constantFrom(...TYPES),
    fields: fc.dictionary(
      fc.constantFrom(
        'protocol',
        'version',
        'software',
        'bootId',
        'idleTimeoutMs',
        'code',
        'message',
        't0',
        't1',
        'session',
        'transport',
        'count',
        'size',
        'rate',
        'durationMs',
        'mode',
        'flows',
        'trace',
        'recvBufferBytes',
        'quietMs',
        'clockOffsetMs',
        'ports',
        'flow',
        'sent',
        'receiver',
        'sender',
      ),
      jsonValue,
      { maxKeys: 12 },
    ),
  })
  .map(({ type, fields }) => ({ ...fields, type }))

describe('the lab control channel parser on anything a peer sends', () => {
  it('random bytes, random JSON and malformed messages: a message, or ControlProtocolError', () => {
    const line = fc.oneof(
      fc.uint8Array({ maxLength: 200 }),
      jsonValue.map((value) => new TextEncoder().encode(JSON.stringify(value) ?? 'undefined')),
      controlLike.map((value) => new TextEncoder().encode(JSON.stringify(value))),
    )
    fc.assert(
      fc.property(line, (bytes) => {
        try {
          const message = parseControlMessage(bytes)
          // What parses is a message of the protocol, and encodes back to an equal one.
          expect(TYPES.slice(0, 14)).toContain(message.type)
          expect(parseControlMessage(encodeControlMessage(message))).toEqual(message)
        } catch (error) {
          if (!(error instanceof ControlProtocolError)) throw error
          expect(error.message).not.toMatch(/[\n\r]/)
        }
      }),
      { numRuns: 5000 },
    )
  })
})

describe('a hostile peer’s text on the terminal', () => {
  it('lab serve logs what a client sent with its control characters made visible', async () => {
    const server = startProtolab(['lab', 'serve', '--bind', '127.0.0.1:0'])
    const port = Number((await server.waitFor('stderr', /listening on 127\.0\.0\.1:(\d+) /, 10_000))[1])
    const { connect } = await import('node:net')
    const socket = connect(port, '127.0.0.1')
    socket.on('error', () => {})
    socket.write(`${JSON.stringify({ type: '\u009b2J\u202eevil\u0085' })}\n`)
    await server.waitFor('stderr', /unknown type/, 10_000)
    socket.destroy()
    expect(server.stderr()).not.toMatch(RAW_CONTROL)
    expect(server.stderr()).toMatch(/\\x9b2J\\u202eevil\\x85/)
  })

  it('lab run shows a hostile server’s error message with its control characters made visible', async () => {
    const server = createServer((socket) => {
      socket.on('error', () => {})
      socket.once('data', () => {
        const message = '\u001b]0;pwned\u0007\u001b[2J busy'
        socket.end(`${JSON.stringify({ type: 'error', code: 'busy', message })}\n`)
      })
    })
    servers.push(server)
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as { port: number }
    const run = await runProtolab(
      ['lab', 'run', '--server', `127.0.0.1:${port}`, '-t', 'udp', '--count', '10'],
      {
        timeoutMs: 15_000,
      },
    )
    expect(run.code).toBe(1)
    expect(run.stderr).toMatch(/busy/)
    expect(run.stderr).not.toMatch(RAW_CONTROL)
  })
})
