import { createReadStream, createWriteStream } from 'node:fs'
import { mkdtemp, open, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { InvalidPacketError } from '@protolab/core'
import type { LabListening } from '../runner/run-transport.js'
import { type Capture, type CaptureStats, portFilter, startCapture } from './tcpdump.js'

/** The classic pcap file header's length, and the magic that opens a pcapng section instead. */
const PCAP_HEADER_BYTES = 24
const PCAPNG_MAGIC = 0x0a0d0d0a

/**
 * `protolab lab --capture <file>`: records the lab's packets on loopback. A run's ports are known
 * only once its receiver and relay are bound, and `-t both` runs one transport after the other,
 * each on new ports; so each run is recorded on its own (started from runLab's `onListening`,
 * filtered by that run's transport and ports) and the recordings are joined into the file, in
 * order, by {@link LabCapture.finish}.
 *
 * The sender's port is not in the filter, and need not be: everything it sends goes to the relay's
 * or the receiver's port, and every reply comes from one of them. Its TCP handshake is recorded
 * too, as the capture starts before the sender connects.
 */
export class LabCapture {
  private directory: string | undefined
  private current: Capture | undefined
  private readonly parts: string[] = []
  private droppedByKernel: number | undefined

  /** @param file the pcap file to write once the lab is done */
  constructor(readonly file: string) {}

  /**
   * Starts recording a run whose receiver and relay now listen (call it from runLab's
   * `onListening`), after stopping the previous run's recording: its sockets are closed by then, so
   * their close is in it.
   * @throws LabError when no capture program is installed or it cannot capture (see startCapture)
   */
  async startRun(listening: LabListening): Promise<void> {
    await this.stopCurrent()
    this.directory ??= await mkdtemp(join(tmpdir(), 'protolab-lab-capture-'))
    const part = join(this.directory, `${this.parts.length}-${listening.transport}.pcap`)
    const ports = [listening.receiver.port, ...(listening.relay === undefined ? [] : [listening.relay.port])]
    this.current = await startCapture({
      file: part,
      interface: 'lo',
      filter: `${listening.transport} and (${portFilter(ports)})`,
    })
    this.parts.push(part)
  }

  /**
   * Stops the last recording and writes the file: every run's packets, in the order they ran.
   * Writes nothing when no run was recorded. Safe to call more than once; call it in a `finally`.
   * Resolves with the packets the kernel dropped over all the runs' recordings.
   * @throws InvalidPacketError when the recordings cannot be joined (different file headers)
   */
  async finish(): Promise<CaptureStats> {
    try {
      await this.stopCurrent()
      if (this.parts.length > 0) await joinCaptures(this.parts.splice(0), this.file)
      return { droppedByKernel: this.droppedByKernel }
    } finally {
      if (this.directory !== undefined) await rm(this.directory, { recursive: true, force: true })
      this.directory = undefined
    }
  }

  private async stopCurrent(): Promise<void> {
    const current = this.current
    this.current = undefined
    if (current === undefined) return
    const { droppedByKernel } = await current.stop()
    if (droppedByKernel !== undefined) this.droppedByKernel = (this.droppedByKernel ?? 0) + droppedByKernel
  }
}

/**
 * Writes capture files one after the other into `file`. Classic pcap files of one program on one
 * interface share their header, so the records of each file after the first follow the first's;
 * pcapng files are joined whole, as a pcapng file may hold several sections.
 */
async function joinCaptures(parts: readonly string[], file: string): Promise<void> {
  let firstHeader: Buffer | undefined
  for (const [index, part] of parts.entries()) {
    const header = await readHeader(part)
    const pcapng = header.length >= 4 && header.readUInt32BE(0) === PCAPNG_MAGIC
    let start = 0
    if (index === 0) {
      firstHeader = header
    } else if (!pcapng) {
      if (firstHeader === undefined || !header.equals(firstHeader)) {
        throw new InvalidPacketError(`cannot join the lab's captures into ${file}: their pcap headers differ`)
      }
      start = PCAP_HEADER_BYTES
    }
    await pipeline(
      createReadStream(part, { start }),
      createWriteStream(file, { flags: index === 0 ? 'w' : 'a' }),
    )
  }
}

/** The first bytes of a capture file: its pcap header, or the start of a pcapng section. */
async function readHeader(path: string): Promise<Buffer> {
  const handle = await open(path, 'r')
  try {
    const buffer = Buffer.alloc(PCAP_HEADER_BYTES)
    const { bytesRead } = await handle.read(buffer, 0, PCAP_HEADER_BYTES, 0)
    return buffer.subarray(0, bytesRead)
  } finally {
    await handle.close()
  }
}
