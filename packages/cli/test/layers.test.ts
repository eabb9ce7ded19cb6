import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { fileURLToPath } from 'node:url'
import { buildPacket, LinkType, readPcap, writePcap } from '@protolab/core'
import type { LayersReport, ReadReport } from '@protolab/lab'
import { type TcpSegment, tellTcpStories } from '@protolab/lab'
import { afterAll, describe, expect, it } from 'vitest'
import { runCli } from '../src/main.js'

const FIXTURES = fileURLToPath(new URL('../../core/test/fixtures/', import.meta.url))
const dir = mkdtempSync(join(tmpdir(), 'protolab-layers-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** Runs the command line in this process with in-memory streams. */
async function cli(args: string[], options: { tty?: boolean } = {}) {
  const stdout = new PassThrough()
  const stderr = new PassThrough()
  let out = ''
  let err = ''
  stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString()
  })
  stderr.on('data', (chunk: Buffer) => {
    err += chunk.toString()
  })
  const code = await runCli(args, {
    stdout,
    stderr,
    stdin: new PassThrough(),
    isTTY: { stdin: false, stdout: options.tty === true, stderr: false },
    env: {},
    signal: new AbortController().signal,
  })
  return { code, stdout: out, stderr: err }
}

describe('protolab layers <text>', () => {
  it('prints the four layers, a hex dump marked with layer letters, and the overhead', async () => {
    const { code, stdout } = await cli(['layers', 'hello'])
    expect(code).toBe(0)
    expect(stdout).toContain(
      'UDP over IPv4: "hello" in utf-8 (5 bytes), 127.0.0.1:49152 → 127.0.0.1:9000, 47 bytes on the wire',
    )
    for (const title of [
      'Link layer: Ethernet II, 14 bytes at offset 0',
      'Network layer: IPv4, 20 bytes at offset 14, checksum correct',
      'Transport layer: UDP, 8 bytes at offset 34, checksum correct',
      'Application layer: Data, 5 bytes at offset 42',
    ]) {
      expect(stdout).toContain(title)
    }
    expect(stdout).toMatch(/Time to live\s+64\s+1 byte/)
    expect(stdout).toMatch(/Checksum\s+0x[0-9a-f]{4} \(correct\)\s+2 bytes/)
    expect(stdout).toMatch(/Text\s+"hello" \(utf-8\)\s+5 bytes/)
    const marks = stdout.split('\n').filter((line) => /^ {10}[LNTA]/.test(line))
    const letters = marks
      .join(' ')
      .split(/\s+/)
      .filter((letter) => letter !== '')
    expect(letters.filter((letter) => letter === 'L')).toHaveLength(14)
    expect(letters.filter((letter) => letter === 'N')).toHaveLength(20)
    expect(letters.filter((letter) => letter === 'T')).toHaveLength(8)
    expect(letters.filter((letter) => letter === 'A')).toHaveLength(5)
    expect(stdout).toMatch(/Transport layer\s+UDP\s+8 bytes\s+17\.0%/)
    expect(stdout).toContain('42 header bytes carry 5 bytes of payload: 10.6% of the frame is the message')
    expect(stdout).not.toContain('\x1b[')
  })

  it('colours the layers on a terminal instead of printing letters', async () => {
    const { stdout } = await cli(['layers', 'hello'], { tty: true })
    expect(stdout).toContain('\x1b[')
    expect(stdout.split('\n').some((line) => /^ {10}L {2}L/.test(line))).toBe(false)
  })

  it('prints JSON with every field, its offset and length, and the frame in hex', async () => {
    const { code, stdout } = await cli(['layers', '你好', '-e', 'gb2312', '-t', 'tcp', '--json'])
    expect(code).toBe(0)
    const report = JSON.parse(stdout) as LayersReport
    expect(report).toMatchObject({
      transport: 'tcp',
      encoding: 'gb2312',
      text: '你好',
      length: 58,
      linkType: 1,
    })
    expect(report.layers.map((layer) => [layer.layer, layer.protocol, layer.offset, layer.length])).toEqual([
      ['link', 'Ethernet II', 0, 14],
      ['network', 'IPv4', 14, 20],
      ['transport', 'TCP', 34, 20],
      ['application', 'Data', 54, 4],
    ])
    expect(report.hex.endsWith('c4e3bac3')).toBe(true)
    expect(report.overhead).toMatchObject({ headerBytes: 54, payloadBytes: 4, totalBytes: 58 })
    const flags = report.layers[2]!.fields.find((field) => field.name === 'Flags')
    expect(flags).toMatchObject({ value: '0x018', note: 'PSH, ACK', offset: 46, length: 2 })
    const expected = buildPacket({
      transport: 'tcp',
      from: { address: '127.0.0.1', port: 49152 },
      to: { address: '127.0.0.1', port: 9000 },
      payload: Uint8Array.of(0xc4, 0xe3, 0xba, 0xc3),
    })
    expect(report.hex).toBe(Buffer.from(expected.frame).toString('hex'))
  })

  it('builds IPv6 when the addresses are IPv6, defaulting the other end to ::1', async () => {
    const { stdout } = await cli(['layers', 'x', '--to', '[2001:db8::1]:53', '--json'])
    const report = JSON.parse(stdout) as LayersReport
    expect(report.from).toEqual({ address: '::1', port: 49152 })
    expect(report.to).toEqual({ address: '2001:db8::1', port: 53 })
    expect(report.layers[1]!.protocol).toBe('IPv6')
  })

  it('writes --pcap: one Ethernet packet, the frame shown', async () => {
    const file = join(dir, 'hello.pcap')
    const { code, stdout } = await cli(['layers', 'hello', '--pcap', file, '--json'])
    expect(code).toBe(0)
    const report = JSON.parse(stdout) as LayersReport & { pcap: string }
    expect(report.pcap).toBe(file)
    const pcap = readPcap(new Uint8Array(readFileSync(file)))
    expect(pcap.header.linkType).toBe(LinkType.EN10MB)
    expect(pcap.packets).toHaveLength(1)
    expect(Buffer.from(pcap.packets[0]!.data).toString('hex')).toBe(report.hex)
    const text = await cli(['layers', 'hello', '--pcap', file])
    expect(text.stdout).toContain(`wrote ${file} (pcap, Ethernet)`)
  })

  it('warns when the encoding cannot carry the text', async () => {
    const { code, stderr } = await cli(['layers', 'é中', '-e', 'latin1'])
    expect(code).toBe(0)
    expect(stderr).toContain('latin1 cannot encode every character')
  })

  it.each([
    [['layers'], 2, /no text/],
    [['layers', 'x', '--from', '127.0.0.1:1', '--to', '[::1]:2'], 2, /different IP versions/],
    [['layers', 'x', '--to', 'localhost:80'], 2, /needs an IP address and port/],
    [['layers', 'x', '--to', '127.0.0.1:70000'], 2, /out of range/],
    [['layers', 'x', '-e', 'klingon'], 2, /unknown encoding/],
    [['layers', 'x', '-t', 'sctp'], 2, /invalid/],
    [['layers', 'x', '--read', 'y.pcap'], 2, /not both/],
    [['layers', 'x', '--pcap', '/nonexistent-dir/x.pcap'], 1, /cannot write/],
    [['layers', '--read', '/nonexistent-file.pcap'], 1, /cannot read .*ENOENT/],
  ])('%j exits %i with one line saying what is wrong', async (args, exitCode, message) => {
    const { code, stderr, stdout } = await cli(args)
    expect(code).toBe(exitCode)
    expect(stderr.split('\n')[0]).toMatch(/^protolab: /)
    expect(stderr).toMatch(message)
    expect(stdout).toBe('')
  })

  it('refuses a payload too large for one IPv4 packet', async () => {
    const { code, stderr } = await cli(['layers', 'x'.repeat(65508)])
    expect(code).toBe(1)
    expect(stderr).toMatch(/larger than the 65507-byte limit/)
  })
})

describe('protolab layers --read', () => {
  it('shows each packet of a real TCP capture in four layers, and the connection in four lines', async () => {
    const { code, stdout } = await cli(['layers', '--read', join(FIXTURES, 'tcp-ipv4.pcap')])
    expect(code).toBe(0)
    expect(stdout).toContain('tcp-ipv4.pcap: pcap, 10 packets')
    expect(stdout).toMatch(/#1 {2}0\.000000 {2}TCP 127\.0\.0\.1:44786 → 127\.0\.0\.1:40884 \[SYN\]/)
    expect(stdout).toMatch(
      /transport +TCP +40 bytes +44786 → 40884 \[SYN\].*options: MSS 65495, SACK_PERM, TS TSval 1634114680, TSecr 0, NOP, WS 10/,
    )
    expect(stdout).toMatch(/application +Data +5 bytes +"hello" \(utf-8\)/)
    expect(stdout).toContain('checksum 0xfe30 incorrect, should be 0xb51c')
    expect(stdout).toContain('usually offloaded')
    expect(stdout).toContain('TCP 127.0.0.1:44786 ⇄ 127.0.0.1:40884 (10 packets: #1 to #10)')
    expect(stdout).toContain('  handshake: SYN #1, SYN-ACK #2, ACK #3: connected')
    expect(stdout).toContain(
      '  data: client → server 5 bytes in 1 segment; server → client 5 bytes in 1 segment',
    )
    expect(stdout).toContain('  retransmissions: none')
    expect(stdout).toContain(
      '  close: FIN from 127.0.0.1:40884 #8, FIN from 127.0.0.1:44786 #9, last ACK #10: closed',
    )
  })

  it('reads pcapng and Linux cooked captures, as JSON', async () => {
    const ng = JSON.parse(
      (await cli(['layers', '--read', join(FIXTURES, 'tcp-ipv6.pcapng'), '--json'])).stdout,
    ) as ReadReport
    expect(ng.format).toBe('pcapng')
    expect(ng.packets).toHaveLength(10)
    expect(ng.packets[3]).toMatchObject({ number: 4, text: 'hi v6', payloadBytes: 5 })
    expect(ng.tcp[0]).toMatchObject({
      handshake: { syn: 1, synAck: 2, ack: 3, complete: true },
      close: { state: 'closed', lastAck: 10 },
    })
    const sll2 = JSON.parse(
      (await cli(['layers', '--read', join(FIXTURES, 'udp-sll2.pcap'), '--json'])).stdout,
    ) as ReadReport
    expect(sll2.packets[0]!.layers.map((layer) => layer.protocol)).toEqual([
      'Linux cooked capture v2',
      'IPv4',
      'UDP',
      'Data',
    ])
    expect(sll2.packets[0]!.text).toBe('cooked v2')
    expect(sll2.tcp).toEqual([])
  })

  it('decodes payloads in the chosen encoding and shows control characters escaped', async () => {
    const file = join(dir, 'gb2312.pcap')
    const frames = [Uint8Array.of(0xc4, 0xe3, 0xba, 0xc3), new TextEncoder().encode('\x1b[2Jboo')].map(
      (payload) =>
        buildPacket({
          transport: 'udp',
          from: { address: '10.0.0.1', port: 5 },
          to: { address: '10.0.0.2', port: 6 },
          payload,
        }).frame,
    )
    writeFileSync(
      file,
      writePcap(
        frames.map((data) => ({ data })),
        { linkType: LinkType.EN10MB },
      ),
    )
    const { stdout } = await cli(['layers', '--read', file, '-e', 'gb2312'])
    expect(stdout).toContain('"你好" (gb2312)')
    expect(stdout).toContain('"\\x1b[2Jboo" (gb2312)')
    expect(stdout).not.toContain('\x1b[2J')
  })

  it('tells a retransmission and a reset', async () => {
    const client = { address: '192.0.2.1', port: 40000 }
    const server = { address: '192.0.2.2', port: 80 }
    const segment = (
      from: typeof client,
      to: typeof client,
      seq: number,
      ack: number,
      flags: Record<string, boolean>,
      text = '',
    ) =>
      buildPacket({
        transport: 'tcp',
        from,
        to,
        payload: new TextEncoder().encode(text),
        tcp: { seq, ack, flags },
      }).frame
    const frames = [
      segment(client, server, 1000, 0, { syn: true }),
      segment(server, client, 5000, 1001, { syn: true, ack: true }),
      segment(client, server, 1001, 5001, { ack: true }),
      segment(client, server, 1001, 5001, { psh: true, ack: true }, 'GET /'),
      segment(client, server, 1001, 5001, { psh: true, ack: true }, 'GET /'),
      segment(server, client, 5001, 1006, { rst: true, ack: true }),
    ]
    const file = join(dir, 'retransmit.pcap')
    writeFileSync(
      file,
      writePcap(
        frames.map((data) => ({ data })),
        { linkType: LinkType.EN10MB },
      ),
    )
    const { stdout } = await cli(['layers', '--read', file])
    expect(stdout).toContain('handshake: SYN #1, SYN-ACK #2, ACK #3: connected')
    expect(stdout).toContain(
      'data: client → server 5 bytes in 1 segment; server → client 0 bytes in 0 segments',
    )
    expect(stdout).toContain('retransmissions: 1: #5 (seq 1, first sent in #4)')
    expect(stdout).toContain('close: reset (RST) by 192.0.2.2:80 in #6')
  })

  it('shows a packet it cannot take apart with the reason, and the others', async () => {
    const good = buildPacket({
      transport: 'udp',
      from: { address: '10.0.0.1', port: 5 },
      to: { address: '10.0.0.2', port: 6 },
      payload: Uint8Array.of(1),
    }).frame
    const file = join(dir, 'broken.pcap')
    writeFileSync(
      file,
      writePcap([{ data: good.subarray(0, 20) }, { data: good }], { linkType: LinkType.EN10MB }),
    )
    const { code, stdout } = await cli(['layers', '--read', file, '--json'])
    expect(code).toBe(0)
    const report = JSON.parse(stdout) as ReadReport
    expect(report.packets[0]!.error).toMatch(/IPv4 header needs 20 bytes/)
    expect(report.packets[1]!.layers).toHaveLength(4)
  })

  it('refuses a file that is not a capture', async () => {
    const file = join(dir, 'not.pcap')
    writeFileSync(file, 'hello, world')
    const { code, stderr } = await cli(['layers', '--read', file])
    expect(code).toBe(1)
    expect(stderr).toMatch(/^protolab: not a capture file/)
  })
})

describe('TCP stories', () => {
  const a = '10.0.0.1:1'
  const b = '10.0.0.2:2'
  const flags = (set: string) => ({
    fin: set.includes('F'),
    syn: set.includes('S'),
    rst: set.includes('R'),
    psh: set.includes('P'),
    ack: set.includes('.'),
    urg: false,
    ece: false,
    cwr: false,
    ae: false,
  })
  const seg = (
    number: number,
    source: string,
    seq: number,
    ack: number,
    set: string,
    payloadLength = 0,
  ): TcpSegment => ({
    number,
    source,
    destination: source === a ? b : a,
    seq,
    ack,
    flags: flags(set),
    payloadLength,
  })

  it('a connection caught in the middle: no handshake, half closed', () => {
    const [story] = tellTcpStories([
      seg(1, b, 700, 100, 'P.', 10),
      seg(2, a, 100, 710, '.'),
      seg(3, b, 710, 100, 'F.'),
    ])
    expect(story!.client).toBe(b)
    expect(story!.handshake.line).toBe(
      'handshake: not captured (the connection was open before the capture began)',
    )
    expect(story!.data.clientToServer).toEqual({ bytes: 10, segments: 1 })
    expect(story!.close).toMatchObject({ state: 'half-closed' })
  })

  it('an unanswered SYN, sent again, and its retransmission', () => {
    const [story] = tellTcpStories([seg(1, a, 0xffffffff, 0, 'S'), seg(2, a, 0xffffffff, 0, 'S')])
    expect(story!.handshake.line).toBe('handshake: SYN #1, no SYN-ACK: the server did not answer')
    expect(story!.retransmissions.segments).toEqual([{ number: 2, from: a, relativeSeq: 0, firstSentIn: 1 }])
    expect(story!.close.state).toBe('open')
  })

  it('keeps connections apart', () => {
    const c = '10.0.0.3:3'
    const stories = tellTcpStories([seg(1, a, 1, 0, 'S'), { ...seg(2, c, 9, 0, 'S'), destination: b }])
    expect(stories.map((story) => story.client)).toEqual([a, c])
  })
})
