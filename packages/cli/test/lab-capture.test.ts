import { execFileSync } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type Dissection, dissect, ENVELOPE_MAGIC, readCaptureFile } from '@protolab/core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { DEFAULT_LAB_PORT } from '../../lab/src/remote/server.js'
import { cannotRunAsNobody, removeReadableCopy, startProtolabAsNobody } from './helpers/as-nobody.js'
import { has, runProtolab, stopAll } from './helpers/processes.js'

/**
 * `protolab lab --capture`: the lab's own packets in a pcap file, read back with core's
 * readCaptureFile and dissect, and with tshark where it is installed. Capturing needs root and
 * tcpdump (`.ci/run` has both); the kernel link also needs iproute2 and nftables.
 */
const asNobodyProblem = cannotRunAsNobody()
if (asNobodyProblem !== undefined) console.warn(`skipping the tests run as nobody: ${asNobodyProblem}`)
const isRoot = process.platform === 'linux' && process.getuid?.() === 0
const canCapture = isRoot && has('tcpdump')
if (!canCapture) console.warn('skipping the lab --capture tests: they need Linux, root and tcpdump')
const canRunKernelLink = canCapture && has('ip') && has('tc') && has('nft')
const hasTshark = has('tshark')

const COUNT = 200
const SIZE = 64

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'protolab-lab-capture-'))
})
afterAll(async () => {
  removeReadableCopy()
  await rm(dir, { recursive: true, force: true })
})
afterEach(stopAll)

/** Every packet of a capture file, taken apart. */
async function packetsOf(file: string): Promise<Dissection[]> {
  const capture = readCaptureFile(await readFile(file))
  return capture.packets.map((packet) => dissect(packet.data, packet.linkType))
}

/** The destination port of a packet's UDP or TCP header. */
function destinationPort(packet: Dissection): number | undefined {
  return packet.udp?.header.destinationPort ?? packet.tcp?.header.destinationPort
}

/** Whether the application data holds a lab envelope (its magic) anywhere. */
function holdsEnvelope(packet: Dissection): boolean {
  return Buffer.from(packet.payload).includes(Buffer.from(ENVELOPE_MAGIC))
}

/** The UDP datagrams to `port` that are lab envelopes. */
function datagramsTo(packets: readonly Dissection[], port: number): Dissection[] {
  return packets.filter(
    (packet) => packet.udp !== undefined && destinationPort(packet) === port && holdsEnvelope(packet),
  )
}

/** The TCP segments to `port`. */
function segmentsTo(packets: readonly Dissection[], port: number): Dissection[] {
  return packets.filter((packet) => packet.tcp !== undefined && destinationPort(packet) === port)
}

/** Bytes of application data in `segments`. */
function payloadBytes(segments: readonly Dissection[]): number {
  return segments.reduce((sum, segment) => sum + segment.payload.length, 0)
}

/** tshark's count of packets matching a display filter, and the sum of a field over them. */
function tsharkCount(file: string, filter: string, field = 'frame.number'): { packets: number; sum: number } {
  const output = execFileSync('tshark', ['-n', '-r', file, '-Y', filter, '-T', 'fields', '-e', field], {
    encoding: 'utf8',
    timeout: 20_000,
  })
  const values = output.split('\n').filter((line) => line.trim() !== '')
  return { packets: values.length, sum: values.reduce((sum, value) => sum + Number(value), 0) }
}

/** The UDP run of a lab's `--json` report; its `delivered` is what the receiver counted. */
function udpRunOf(stdout: string): { delivered: number } {
  const report = JSON.parse(stdout) as { runs: { transport: string; delivered: number }[] }
  const run = report.runs.find((candidate) => candidate.transport === 'udp')
  expect(run, stdout).toBeDefined()
  expect(run?.delivered).toBeGreaterThan(0)
  return { delivered: run?.delivered ?? 0 }
}

/** Capture programs still running on `file`: none may outlive the command. */
function capturesOf(file: string): string[] {
  return execFileSync('ps', ['-eo', 'args='], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => /tcpdump|dumpcap/.test(line) && line.includes(file))
}

describe.skipIf(!canCapture)('protolab lab --capture, on loopback', () => {
  it('records both runs in one file: UDP datagrams and TCP segments to each receiver, as tshark reads them too', async () => {
    const file = join(dir, 'lab.pcap')
    const captured = await runProtolab(
      [
        'lab',
        '--link',
        'proxy',
        '--count',
        String(COUNT),
        '--size',
        String(SIZE),
        '--rate',
        '2000',
        '--delay',
        '1ms',
        '--capture',
        file,
      ],
      { timeoutMs: 30_000 },
    )
    expect(captured.code, captured.stderr).toBe(0)
    // The table's first column is UDP's: `delivered   2,835 (94.50%)   3,000 (100.00%)`.
    const delivered = /^delivered\s+([\d,]+)/m.exec(captured.stdout)
    expect(delivered, captured.stdout).not.toBeNull()
    const udpRun = { delivered: Number(delivered?.[1]?.replaceAll(',', '')) }
    expect(captured.stderr).toContain(`capture: ${file}\n`)
    // The capture program kept up: the kernel dropped nothing it had to hand over.
    expect(captured.stderr).not.toMatch(/the kernel dropped/)
    const route = (transport: string) => {
      const match = new RegExp(
        `^lab: ${transport}, .* through the impairment relay 127\\.0\\.0\\.1:(\\d+) to the receiver 127\\.0\\.0\\.1:(\\d+)$`,
        'm',
      ).exec(captured.stderr)
      expect(match, captured.stderr).not.toBeNull()
      return { relay: Number(match?.[1]), receiver: Number(match?.[2]) }
    }
    const udp = route('udp')
    const tcp = route('tcp')
    expect(capturesOf(file)).toEqual([])

    const packets = await packetsOf(file)
    // UDP: every message to the relay; on from the relay, at least every one the receiver counted (a
    // loaded machine may drop a datagram in the relay's receive buffer, before it can forward it).
    expect(datagramsTo(packets, udp.relay)).toHaveLength(COUNT)
    const toReceiver = datagramsTo(packets, udp.receiver)
    expect(toReceiver.length).toBeGreaterThanOrEqual(udpRun.delivered)
    expect(toReceiver.length).toBeLessThanOrEqual(COUNT)
    expect(toReceiver.every((packet) => packet.payload.length === 32 + SIZE)).toBe(true)
    // TCP: the relay's connection to the receiver from its handshake to its close, carrying every envelope.
    const segments = segmentsTo(packets, tcp.receiver)
    expect(segments.some((segment) => segment.tcp?.header.flags.syn && !segment.tcp.header.flags.ack)).toBe(
      true,
    )
    expect(segments.some((segment) => segment.tcp?.header.flags.fin)).toBe(true)
    expect(segments.some(holdsEnvelope)).toBe(true)
    const tcpBytes = payloadBytes(segments)
    expect(tcpBytes).toBeGreaterThanOrEqual(COUNT * (32 + SIZE))
    // The sender's own connection, to the relay, is in the file too.
    expect(payloadBytes(segmentsTo(packets, tcp.relay))).toBeGreaterThanOrEqual(COUNT * (32 + SIZE))
    // Only the lab's ports: the filter kept everything else on loopback out.
    const ports = new Set([udp.relay, udp.receiver, tcp.relay, tcp.receiver])
    for (const packet of packets) {
      const source = packet.udp?.header.sourcePort ?? packet.tcp?.header.sourcePort
      expect(ports.has(destinationPort(packet) ?? -1) || ports.has(source ?? -1)).toBe(true)
    }

    if (hasTshark) {
      expect(tsharkCount(file, `udp.dstport == ${udp.receiver}`).packets).toBe(toReceiver.length)
      expect(tsharkCount(file, `tcp.dstport == ${tcp.receiver} && tcp.len > 0`, 'tcp.len').sum).toBe(tcpBytes)
    } else {
      console.warn(
        'lab --capture: tshark is not installed, so only our own reading of the capture is checked',
      )
    }
  })

  it.skipIf(asNobodyProblem !== undefined)(
    'without the right to capture: one clear error, exit code 1, no process left',
    async () => {
      const file = join(dir, 'denied.pcap')
      const asNobody = startProtolabAsNobody([
        'lab',
        '--link',
        'proxy',
        '-t',
        'udp',
        '--count',
        '10',
        '--capture',
        file,
      ])
      const finished = await asNobody.finished(15_000)
      expect(finished.code).toBe(1)
      expect(finished.stderr).toMatch(/^protolab: cannot capture: tcpdump exited/m)
      expect(finished.stderr).toMatch(/^hint: capturing needs root/m)
      expect(capturesOf(file)).toEqual([])
    },
  )
})

describe.skipIf(!canRunKernelLink)('protolab lab --link kernel --capture, in the receiver namespace', () => {
  it("records the control channel and every data packet on the receiver's veth", async () => {
    const file = join(dir, 'kernel.pcap')
    const result = await runProtolab(
      ['lab', '--link', 'kernel', '--count', String(COUNT), '--rate', '2000', '--capture', file, '--json'],
      { timeoutMs: 30_000 },
    )
    expect(result.code, result.stderr).toBe(0)
    const udpRun = udpRunOf(result.stdout)
    expect(result.stderr).toContain(`capture: ${file}\n`)
    expect(capturesOf(file)).toEqual([])

    const packets = await packetsOf(file)
    const receiver = '10.77.0.2'
    const toReceiver = packets.filter((packet) => packet.ip?.destination === receiver)
    // UDP: at least every envelope the receiver counted (the veth may drop under load), all to the
    // one data port the lab server chose.
    const datagrams = toReceiver.filter((packet) => packet.udp !== undefined && holdsEnvelope(packet))
    expect(datagrams.length).toBeGreaterThanOrEqual(udpRun.delivered)
    expect(datagrams.length).toBeLessThanOrEqual(COUNT)
    const udpPorts = new Set(datagrams.map(destinationPort))
    expect(udpPorts.size).toBe(1)
    const [udpPort] = udpPorts
    // TCP: the control channel's handshake, and the envelopes on a data connection of their own.
    const control = segmentsTo(toReceiver, DEFAULT_LAB_PORT)
    expect(control.some((segment) => segment.tcp?.header.flags.syn)).toBe(true)
    const data = toReceiver.filter(
      (packet) =>
        packet.tcp !== undefined && destinationPort(packet) !== DEFAULT_LAB_PORT && holdsEnvelope(packet),
    )
    expect(data.length).toBeGreaterThan(0)
    const [tcpPort] = new Set(data.map(destinationPort))
    const tcpBytes = payloadBytes(segmentsTo(toReceiver, tcpPort ?? -1))
    expect(tcpBytes).toBeGreaterThanOrEqual(COUNT * (32 + SIZE))

    if (hasTshark) {
      expect(tsharkCount(file, `ip.dst == ${receiver} && udp.dstport == ${udpPort}`).packets).toBe(
        datagrams.length,
      )
      expect(
        tsharkCount(file, `ip.dst == ${receiver} && tcp.dstport == ${tcpPort} && tcp.len > 0`, 'tcp.len').sum,
      ).toBe(tcpBytes)
    }
  })
})
