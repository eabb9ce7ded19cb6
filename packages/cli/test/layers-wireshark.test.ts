import { spawnSync } from 'node:child_process'
import { createSocket, type Socket as UdpSocket } from 'node:dgram'
import { mkdtempSync, rmSync } from 'node:fs'
import { type AddressInfo, connect, createServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { type DissectedLayer, encodeText } from '@protolab/core'
import type { LayersReport, ReadReport } from '@protolab/lab'
import { type Capture, portFilter, startCapture } from '@protolab/lab'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { reportError } from '../src/errors.js'
import type { CliIO } from '../src/io.js'
import { runCli } from '../src/main.js'

/** True when `tool` is on the PATH; says so when it is not, since the tests that need it are skipped. */
function has(tool: string): boolean {
  const found = spawnSync('sh', ['-c', `command -v '${tool}'`]).status === 0
  if (!found) console.warn(`skipping tests that need ${tool}: it is not installed`)
  return found
}

const hasTshark = has('tshark')
const hasTcpdump = has('tcpdump')
const hasDumpcap = has('dumpcap')
const isRoot = process.getuid?.() === 0
if (!isRoot) console.warn('skipping the loopback capture tests: capturing needs root')

const dir = mkdtempSync(join(tmpdir(), 'protolab-wireshark-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough()
  const stderr = new PassThrough()
  const chunks = { out: '', err: '' }
  stdout.on('data', (chunk: Buffer) => {
    chunks.out += chunk.toString()
  })
  stderr.on('data', (chunk: Buffer) => {
    chunks.err += chunk.toString()
  })
  const code = await runCli(args, {
    stdout,
    stderr,
    stdin: new PassThrough(),
    isTTY: { stdin: false, stdout: false, stderr: false },
    env: {},
    signal: new AbortController().signal,
  })
  return { code, stdout: chunks.out, stderr: chunks.err }
}

const TSHARK_FIELDS = [
  'frame.len',
  'ip.checksum.status',
  'udp.checksum.status',
  'tcp.checksum.status',
  'ip.src',
  'ip.dst',
  'ipv6.src',
  'ipv6.dst',
  'ip.len',
  'ipv6.plen',
  'ip.ttl',
  'ipv6.hlim',
  'ip.flags.df',
  'ip.id',
  'udp.srcport',
  'udp.dstport',
  'udp.length',
  'tcp.srcport',
  'tcp.dstport',
  'tcp.seq_raw',
  'tcp.ack_raw',
  'tcp.flags',
  'tcp.window_size_value',
  'tcp.hdr_len',
  'tcp.len',
  'udp.payload',
  'tcp.payload',
  'tcp.analysis.retransmission',
] as const
type TsharkPacket = Record<(typeof TSHARK_FIELDS)[number], string>

/** Every packet of `file` as tshark reads it, with checksum validation on. */
function tshark(file: string): TsharkPacket[] {
  const result = spawnSync(
    'tshark',
    [
      '-r',
      file,
      '-o',
      'ip.check_checksum:TRUE',
      '-o',
      'udp.check_checksum:TRUE',
      '-o',
      'tcp.check_checksum:TRUE',
      // Absolute sequence numbers, and no port-based guessing of the application protocol.
      '-o',
      'tcp.relative_sequence_numbers:FALSE',
      '-T',
      'fields',
      '-E',
      'separator=/t',
      '-E',
      'occurrence=f',
      ...TSHARK_FIELDS.flatMap((field) => ['-e', field]),
    ],
    { encoding: 'utf8' },
  )
  expect(result.status, result.stderr).toBe(0)
  return result.stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const values = line.split('\t')
      return Object.fromEntries(
        TSHARK_FIELDS.map((field, index) => [field, values[index] ?? '']),
      ) as TsharkPacket
    })
}

const TSHARK_GOOD = '1'
const TSHARK_BAD = '0'

/** A field's value in one of our layers. */
function ours(
  layers: readonly DissectedLayer[],
  layer: string,
  name: string,
): string | number | boolean | undefined {
  return layers.find((l) => l.layer === layer)?.fields.find((field) => field.name === name)?.value
}

function hexOf(text: string): string {
  return Buffer.from(text, 'hex').toString('hex')
}

/** Checks that tshark reads `theirs` as we read `layers`: lengths, addresses, ports, TTL, flags, sequence numbers, payload, checksums. */
function expectSameReading(
  layers: readonly DissectedLayer[],
  frameLength: number,
  payloadHex: string,
  theirs: TsharkPacket,
): void {
  expect(Number(theirs['frame.len'])).toBe(frameLength)
  const network = layers.find((layer) => layer.layer === 'network')!
  const transport = layers.find((layer) => layer.layer === 'transport')!
  if (network.protocol === 'IPv4') {
    expect(theirs['ip.src']).toBe(ours(layers, 'network', 'Source'))
    expect(theirs['ip.dst']).toBe(ours(layers, 'network', 'Destination'))
    expect(Number(theirs['ip.len'])).toBe(ours(layers, 'network', 'Total length'))
    expect(Number(theirs['ip.ttl'])).toBe(ours(layers, 'network', 'Time to live'))
    expect(theirs['ip.flags.df'] === '1' || theirs['ip.flags.df'] === 'True').toBe(
      ours(layers, 'network', "Don't fragment"),
    )
    expect(theirs['ip.id']).toBe(ours(layers, 'network', 'Identification'))
    expect(theirs['ip.checksum.status']).toBe(network.checksumValid ? TSHARK_GOOD : TSHARK_BAD)
  } else {
    expect(theirs['ipv6.src']).toBe(ours(layers, 'network', 'Source'))
    expect(theirs['ipv6.dst']).toBe(ours(layers, 'network', 'Destination'))
    expect(Number(theirs['ipv6.plen'])).toBe(ours(layers, 'network', 'Payload length'))
    expect(Number(theirs['ipv6.hlim'])).toBe(ours(layers, 'network', 'Hop limit'))
  }
  if (transport.protocol === 'UDP') {
    expect(Number(theirs['udp.srcport'])).toBe(ours(layers, 'transport', 'Source port'))
    expect(Number(theirs['udp.dstport'])).toBe(ours(layers, 'transport', 'Destination port'))
    expect(Number(theirs['udp.length'])).toBe(ours(layers, 'transport', 'Length'))
    expect(theirs['udp.checksum.status']).toBe(transport.checksumValid ? TSHARK_GOOD : TSHARK_BAD)
    expect(hexOf(theirs['udp.payload'])).toBe(payloadHex)
  } else {
    expect(Number(theirs['tcp.srcport'])).toBe(ours(layers, 'transport', 'Source port'))
    expect(Number(theirs['tcp.dstport'])).toBe(ours(layers, 'transport', 'Destination port'))
    expect(Number(theirs['tcp.seq_raw'])).toBe(ours(layers, 'transport', 'Sequence number'))
    expect(Number(theirs['tcp.ack_raw'])).toBe(ours(layers, 'transport', 'Acknowledgment number'))
    expect(Number(theirs['tcp.flags'])).toBe(Number(ours(layers, 'transport', 'Flags')))
    expect(Number(theirs['tcp.window_size_value'])).toBe(ours(layers, 'transport', 'Window'))
    expect(Number(theirs['tcp.hdr_len'])).toBe(ours(layers, 'transport', 'Header length'))
    expect(Number(theirs['tcp.len'])).toBe(payloadHex.length / 2)
    expect(theirs['tcp.checksum.status']).toBe(transport.checksumValid ? TSHARK_GOOD : TSHARK_BAD)
    expect(hexOf(theirs['tcp.payload'])).toBe(payloadHex)
  }
}

describe.skipIf(!hasTshark)('packets built by `layers --pcap`, read by tshark', () => {
  const cases = [
    ['udp', '127.0.0.1:53122', '127.0.0.1:9000'],
    ['udp', '[::1]:53122', '[::1]:9000'],
    ['tcp', '192.0.2.1:40000', '198.51.100.2:8080'],
    ['tcp', '[2001:db8::1]:40000', '[2001:db8::2]:8080'],
  ] as const
  for (const [transport, from, to] of cases) {
    it(`${transport} from ${from} to ${to}: every checksum good, every field agreeing`, async () => {
      const file = join(dir, `${transport}-${from.includes('[') ? 6 : 4}.pcap`)
      const text = '你好, layers'
      const { code, stdout, stderr } = await cli([
        'layers',
        text,
        '-t',
        transport,
        '-e',
        'gb2312',
        '--from',
        from,
        '--to',
        to,
        '--pcap',
        file,
        '--json',
      ])
      expect(code, stderr).toBe(0)
      const report = JSON.parse(stdout) as LayersReport
      const [theirs] = tshark(file)
      const payloadHex = Buffer.from(encodeText(text, 'gb2312')).toString('hex')
      expectSameReading(report.layers, report.length, payloadHex, theirs!)
      expect(
        report.layers
          .filter((layer) => layer.checksumValid !== undefined)
          .every((layer) => layer.checksumValid),
      ).toBe(true)
      if (report.layers[1]!.protocol === 'IPv4') expect(theirs!['ip.checksum.status']).toBe(TSHARK_GOOD)
      expect(theirs![transport === 'udp' ? 'udp.checksum.status' : 'tcp.checksum.status']).toBe(TSHARK_GOOD)
    })
  }
})

describe.skipIf(!hasTshark || !hasTcpdump || !isRoot)(
  'a capture of real loopback traffic, read by us and by tshark',
  () => {
    const sockets: (UdpSocket | Server)[] = []
    let capture: Capture | undefined
    afterEach(async () => {
      await capture?.stop()
      capture = undefined
      for (const socket of sockets.splice(0))
        await new Promise<void>((resolve) => socket.close(() => resolve()))
    })

    /** A UDP receiver on `host`, port 0, that counts what arrives. */
    async function udpReceiver(host: string): Promise<{ port: number; received: () => number }> {
      const socket = createSocket(host.includes(':') ? 'udp6' : 'udp4')
      sockets.push(socket)
      let count = 0
      socket.on('message', () => {
        count++
      })
      await new Promise<void>((resolve) => socket.bind(0, host, () => resolve()))
      return { port: socket.address().port, received: () => count }
    }

    /** A TCP echo server on `host`, port 0. */
    async function echoServer(host: string): Promise<number> {
      const server = createServer((connection) => connection.on('data', (data) => connection.end(data)))
      sockets.push(server)
      await new Promise<void>((resolve) => server.listen(0, host, () => resolve()))
      return (server.address() as AddressInfo).port
    }

    async function sendUdp(host: string, port: number, payloads: Uint8Array[]): Promise<void> {
      const socket = createSocket(host.includes(':') ? 'udp6' : 'udp4')
      for (const payload of payloads)
        await new Promise<void>((resolve, reject) =>
          socket.send(payload, port, host, (error) => (error ? reject(error) : resolve())),
        )
      await new Promise<void>((resolve) => socket.close(() => resolve()))
    }

    /** Connects, sends `text`, reads the echo, and waits until both sides have closed. */
    function tcpExchange(host: string, port: number, text: string): Promise<string> {
      return new Promise((resolve, reject) => {
        let echoed = ''
        const socket = connect(port, host, () => socket.write(text))
        socket.setEncoding('utf8')
        socket.on('data', (data: string) => {
          echoed += data
        })
        socket.on('error', reject)
        socket.on('close', () => resolve(echoed))
      })
    }

    async function until(condition: () => boolean): Promise<void> {
      for (let attempt = 0; attempt < 100 && !condition(); attempt++)
        await new Promise((resolve) => setTimeout(resolve, 20))
      expect(condition()).toBe(true)
    }

    it('UDP datagrams and TCP exchanges over IPv4 and IPv6 decode the same in both', async () => {
      const udp4 = await udpReceiver('127.0.0.1')
      const udp6 = await udpReceiver('::1')
      const tcp4 = await echoServer('127.0.0.1')
      const tcp6 = await echoServer('::1')
      const file = join(dir, 'loopback.pcap')
      capture = await startCapture({
        file,
        interface: 'lo',
        filter: portFilter([udp4.port, udp6.port, tcp4, tcp6]),
      })
      const texts = ['你好', 'datagram 2', 'datagram 3']
      await sendUdp(
        '127.0.0.1',
        udp4.port,
        texts.map((text) => encodeText(text, 'gb2312')),
      )
      await sendUdp(
        '::1',
        udp6.port,
        texts.map((text) => encodeText(text, 'gb2312')),
      )
      await until(() => udp4.received() === 3 && udp6.received() === 3)
      expect(await tcpExchange('127.0.0.1', tcp4, 'hello')).toBe('hello')
      expect(await tcpExchange('::1', tcp6, 'hello')).toBe('hello')
      await capture.stop()

      const { code, stdout, stderr } = await cli(['layers', '--read', file, '-e', 'gb2312', '--json'])
      expect(code, stderr).toBe(0)
      const report = JSON.parse(stdout) as ReadReport
      const theirs = tshark(file)
      expect(report.packets.length).toBe(theirs.length)
      expect(report.packets.filter((packet) => packet.layers[2]?.protocol === 'UDP')).toHaveLength(6)
      expect(
        report.packets.filter((packet) => packet.text !== undefined).map((packet) => packet.text),
      ).toEqual(expect.arrayContaining([...texts, ...texts, 'hello', 'hello', 'hello', 'hello']))
      for (const [index, packet] of report.packets.entries()) {
        expect(packet.error).toBeUndefined()
        const application = packet.layers.find((layer) => layer.layer === 'application')!
        const payloadHex = (theirs[index]!['udp.payload'] || theirs[index]!['tcp.payload']).toLowerCase()
        expect(application.length).toBe(payloadHex.length / 2)
        expectSameReading(packet.layers, packet.capturedLength, payloadHex, theirs[index]!)
      }

      expect(report.tcp).toHaveLength(2)
      for (const story of report.tcp) {
        expect(story.handshake.complete).toBe(true)
        expect(story.data.clientToServer).toEqual({ bytes: 5, segments: 1 })
        expect(story.data.serverToClient).toEqual({ bytes: 5, segments: 1 })
        expect(story.retransmissions.segments).toEqual([])
        expect(story.close.state).toBe('closed')
      }
      expect(theirs.filter((packet) => packet['tcp.analysis.retransmission'] !== '')).toEqual([])
    })

    it.skipIf(!hasDumpcap)('dumpcap captures as well, to pcap', async () => {
      const receiver = await udpReceiver('127.0.0.1')
      const file = join(dir, 'dumpcap.pcap')
      capture = await startCapture({ file, filter: `udp port ${receiver.port}`, tool: 'dumpcap' })
      expect(capture.tool).toBe('dumpcap')
      await sendUdp('127.0.0.1', receiver.port, [encodeText('via dumpcap', 'utf-8')])
      await until(() => receiver.received() === 1)
      await capture.stop()
      const report = JSON.parse((await cli(['layers', '--read', file, '--json'])).stdout) as ReadReport
      expect(report.format).toBe('pcap')
      expect(report.packets.map((packet) => packet.text)).toEqual(['via dumpcap'])
    })

    it('says why a capture cannot start: an unknown interface', async () => {
      await expect(
        startCapture({ file: join(dir, 'never.pcap'), interface: 'protolab-nope0' }),
      ).rejects.toThrow(/cannot capture: tcpdump exited/)
    })
  },
)

describe('portFilter', () => {
  it('filters on every port of a session, and refuses to filter on none', () => {
    expect(portFilter([9000, 9001, 9000])).toBe('port 9000 or port 9001')
    expect(() => portFilter([0])).toThrow(/no port to filter on/)
  })
})

describe('startCapture without a capture program', () => {
  it('fails with a clear error and a hint', async () => {
    const error = await startCapture({ file: join(dir, 'x.pcap'), searchPath: [] }).catch(
      (caught: unknown) => caught,
    )
    expect(error).toMatchObject({
      message: 'cannot capture: neither tcpdump nor dumpcap is installed',
      code: 'ERR_UNSUPPORTED',
      reason: 'capture-tool-missing',
    })
    let stderr = ''
    const io = { stderr: { write: (text: string) => (stderr += text) }, env: {} } as unknown as CliIO
    expect(await reportError(error, io)).toBe(1)
    expect(stderr).toMatch(/^hint: .*apt-get install tcpdump/m)
  })
})
