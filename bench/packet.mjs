/**
 * 8. The packet link (`lab --link packet`): how fast its relay path moves frames, and how much of
 * that TCP turns into goodput.
 * - Frames/s relayed without impairment: UDP datagrams whose frames are 1,514 B on the wire
 *   (1,440 B payload + the 32-byte envelope), sent as fast as possible; the link's own count of
 *   frames over the receiver's duration. Baseline: the same datagrams over the kernel link (a veth
 *   pair, no relay), where root allows it. Target: at least 50,000 frames/s.
 *   Every frame costs a receive and a send in the relay, the kernel's VXLAN work on both sides, and
 *   the lab's own sender and receiver, all on the same cores: on 2 cores the row says what the
 *   whole path does, not the relay alone.
 * - TCP goodput through the link against the link's capacity (the frames/s above, each carrying a
 *   full 1,448-byte segment): the ratio says how much of the path TCP's congestion control uses.
 * Both runs are skipped, with a note, where the packet link cannot run.
 */
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { check, resultRow } from './lib/result.mjs'

const BIN = fileURLToPath(new URL('../packages/cli/dist/bin.js', import.meta.url))
const PAYLOAD_BYTES = 1440
const FRAMES = 100_000
const SEGMENT_BYTES = 1448
const RUN_TIMEOUT_MS = 180_000
const RECV_BUFFER_BYTES = 8 * 1024 * 1024

/** Runs the group; returns its rows. */
export async function run() {
  const udp = await lab(['--link', 'packet', '-t', 'udp'])
  if (udp === undefined) {
    return { rows: [], notes: ['Packet link: skipped, it cannot run here (lab --link packet failed).'] }
  }
  const framesPerSec = udp.packetLink.forward.frames / (udp.durationMs / 1000)
  const kernel = process.getuid?.() === 0 ? await lab(['--link', 'kernel', '-t', 'udp']) : undefined
  const tcp = await lab(['--link', 'packet', '-t', 'tcp'])
  const capacityBytesPerSec = framesPerSec * SEGMENT_BYTES
  const rows = [
    resultRow({
      name: 'packet link: frames/s relayed, 1,514 B frames, no impairment',
      value: framesPerSec,
      unit: 'frames/s',
      baseline: 'kernel link (veth pair, no relay), same datagrams',
      baselineValue: kernel === undefined ? null : kernel.messagesPerSec,
      checks: [check('value', '>=', 50_000, 'frames/s')],
    }),
    resultRow({
      name: 'packet link: TCP goodput, 1,440 B messages',
      value: tcp === undefined ? null : (tcp.bytesPerSec * 8) / 1e6,
      unit: 'Mbit/s',
      baseline: "the link's capacity (frames/s above × 1,448 B segments)",
      baselineValue: (capacityBytesPerSec * 8) / 1e6,
    }),
  ]
  const drops = udp.packetLink.pathDrops
  const notes = [
    `Packet link: the UDP run lost ${udp.lost} of ${udp.sent} (${drops} in the link itself); frames/s counts what the relay moved.`,
  ]
  if (tcp !== undefined) {
    // The kernel's TCP is a cheaper sender and receiver than the lab's UDP ends: its full segments
    // are 1,514 B frames too, so this is the relay's rate with less of the CPU taken by the ends.
    const perSec = (frames) => Math.round(frames / (tcp.durationMs / 1000))
    notes.push(
      `Packet link: the TCP run's full segments (1,514 B frames) crossed at ${perSec(tcp.packetLink.forward.frames)}/s, with ${perSec(tcp.packetLink.backward.frames)} ACKs/s back; the link itself dropped ${tcp.packetLink.pathDrops}.`,
    )
  }
  return { rows, notes }
}

/** One `protolab lab` run of the workload, as its JSON run, or undefined when it failed. */
function lab(link) {
  const args = [BIN, 'lab', ...link, '--size', String(PAYLOAD_BYTES), '--count', String(FRAMES)]
  args.push('--rate', '0', '--recv-buffer', String(RECV_BUFFER_BYTES), '--json')
  return new Promise((resolve) => {
    execFile(process.execPath, args, { timeout: RUN_TIMEOUT_MS, encoding: 'utf8' }, (error, stdout) => {
      if (error !== null) {
        resolve(undefined)
        return
      }
      resolve(JSON.parse(stdout).runs[0])
    })
  })
}
