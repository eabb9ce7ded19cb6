import { readFile, writeFile } from 'node:fs/promises'
import { canEncode, encodeText, LinkType, writePcap } from '@protolab/core'
import {
  buildLayersReport,
  type LayerStyle,
  layerStyle,
  readCaptureReport,
  renderLayersReport,
  renderReadReport,
} from '@protolab/lab'
import { CliError, UsageError } from '../errors.js'
import type { CliIO } from '../io.js'
import type { TransportName } from '../options/transport.js'
import { packetEndpoints } from './endpoints.js'

/** The flags of `protolab layers`. */
export interface LayersFlags {
  readonly transport: TransportName
  readonly encoding: string
  readonly from?: string
  readonly to?: string
  readonly pcap?: string
  readonly read?: string
  readonly json?: boolean
}

/**
 * `protolab layers`: with text, builds the packet it becomes and prints it layer by layer (and
 * writes it to `--pcap`); with `--read`, shows a capture file's packets and TCP connections.
 */
export async function runLayers(text: readonly string[], flags: LayersFlags, io: CliIO): Promise<void> {
  if (flags.read !== undefined) {
    if (text.length > 0) {
      throw new UsageError('give either text to build a packet or --read <file>, not both', {
        hint: "'protolab layers hello' builds a packet; 'protolab layers --read file.pcap' reads one",
      })
    }
    await runRead(flags.read, flags, io)
    return
  }
  if (text.length === 0) {
    throw new UsageError('no text: give the message to build a packet of, or --read <file.pcap>', {
      hint: "e.g. 'protolab layers hello -t tcp'",
    })
  }
  const message = text.join(' ')
  const payload = encodeText(message, flags.encoding)
  if (!canEncode(message, flags.encoding)) {
    io.stderr.write(
      `protolab: warning: ${flags.encoding} cannot encode every character; they became substitutes\n`,
    )
  }
  const { from, to } = packetEndpoints(flags.from, flags.to)
  const { report, frame } = buildLayersReport({
    transport: flags.transport,
    text: message,
    encoding: flags.encoding,
    payload,
    from,
    to,
  })
  if (flags.pcap !== undefined) {
    const now = Date.now()
    const file = writePcap(
      [{ data: frame, timestamp: { seconds: Math.floor(now / 1000), nanoseconds: (now % 1000) * 1e6 } }],
      {
        linkType: LinkType.EN10MB,
      },
    )
    await writeOrFail(flags.pcap, file)
  }
  if (flags.json) {
    io.stdout.write(
      `${JSON.stringify(flags.pcap === undefined ? report : { ...report, pcap: flags.pcap }, null, 2)}\n`,
    )
    return
  }
  const lines = renderLayersReport(report, frame, styleFor(io))
  if (flags.pcap !== undefined)
    lines.push('', `wrote ${flags.pcap} (pcap, Ethernet): open it with wireshark or tshark -r`)
  io.stdout.write(`${lines.join('\n')}\n`)
}

async function runRead(file: string, flags: LayersFlags, io: CliIO): Promise<void> {
  let bytes: Uint8Array
  try {
    bytes = new Uint8Array(await readFile(file))
  } catch (error) {
    throw new CliError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, {
      hint: 'give a pcap or pcapng file, such as one written by --pcap, --capture or tcpdump -w',
      cause: error,
    })
  }
  const report = readCaptureReport(bytes, file, flags.encoding)
  if (flags.json) {
    io.stdout.write(`${JSON.stringify(report, null, 2)}\n`)
    return
  }
  io.stdout.write(`${renderReadReport(report, styleFor(io)).join('\n')}\n`)
}

async function writeOrFail(path: string, bytes: Uint8Array): Promise<void> {
  try {
    await writeFile(path, bytes)
  } catch (error) {
    throw new CliError(`cannot write ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, {
      hint: 'check that the directory exists and can be written',
      cause: error,
    })
  }
}

/** Colour only when stdout is a terminal and NO_COLOR is unset. */
function styleFor(io: CliIO): LayerStyle {
  return layerStyle(io.isTTY.stdout && io.env.NO_COLOR === undefined)
}
