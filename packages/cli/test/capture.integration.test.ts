import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { encodeText } from '@protolab/core'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { has, runProtolab, startProtolab, stopAll } from './helpers/processes.js'
import { startListening } from './helpers/protolab.js'

afterEach(stopAll)

const dir = mkdtempSync(join(tmpdir(), 'protolab-capture-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** The packets of a classic pcap file (little-endian, as tcpdump writes it on x86 and ARM). */
function pcapPackets(file: string): Buffer[] {
  const bytes = readFileSync(file)
  expect(bytes.readUInt32LE(0)).toBe(0xa1b2c3d4)
  const packets: Buffer[] = []
  for (let offset = 24; offset + 16 <= bytes.length; ) {
    const length = bytes.readUInt32LE(offset + 8)
    packets.push(bytes.subarray(offset + 16, offset + 16 + length))
    offset += 16 + length
  }
  return packets
}

const canCapture = process.getuid?.() === 0 && (has('tcpdump') || has('dumpcap'))
if (!canCapture) console.warn('skipping --capture tests: they need root and tcpdump or dumpcap')

describe.skipIf(!canCapture)('--capture records the session', () => {
  it('listen: the datagram received, with its GB2312 payload', async () => {
    const file = join(dir, 'listen.pcap')
    const { proc, port } = await startListening([
      'listen',
      '0',
      '-e',
      'gb2312',
      '--count',
      '1',
      '--capture',
      file,
    ])
    await runProtolab(['send', `127.0.0.1:${port}`, '-e', 'gb2312', '你好'])
    expect((await proc.finished()).code).toBe(0)
    const payload = Buffer.from(encodeText('你好', 'gb2312'))
    expect(pcapPackets(file).some((packet) => packet.subarray(-payload.length).equals(payload))).toBe(true)
  })

  it('chat over TCP: from the handshake on', async () => {
    const file = join(dir, 'chat.pcap')
    const server = await startListening(['chat', '-t', 'tcp', '--listen', '0'])
    const client = startProtolab([
      'chat',
      '-t',
      'tcp',
      '--peer',
      `127.0.0.1:${server.port}`,
      '--capture',
      file,
    ])
    await client.waitFor('stderr', /chatting with/)
    client.write('captured line\n')
    await server.proc.waitFor('stdout', /captured line/)
    client.end()
    expect((await client.finished()).code).toBe(0)
    const packets = pcapPackets(file)
    // Ethernet (14 bytes), IPv4 (IHL words), then the TCP flags byte at offset 13: SYN is 0x02.
    const tcpFlags = (packet: Buffer) => packet[14 + ((packet[14] ?? 0) & 0x0f) * 4 + 13] ?? 0
    expect(packets.some((packet) => (tcpFlags(packet) & 0x12) === 0x02)).toBe(true)
    expect(packets.some((packet) => packet.includes('captured line\n'))).toBe(true)
  })
})
