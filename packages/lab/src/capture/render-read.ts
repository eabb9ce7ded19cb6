import type { DissectedLayer, PacketField } from '@protolab/core'
import type { LayerStyle } from './layer-style.js'
import type { PacketReport, ReadReport } from './read.js'
import { plural, quoteText } from './render-layers.js'

const LAYER_WIDTH = 'application'.length
const OFFLOAD_NOTE = / \(maybe offloaded to the network card\)$/

/** TCP option names as tcpdump and Wireshark abbreviate them. */
const SHORT_OPTION_NAMES: Readonly<Record<string, string>> = {
  'Maximum segment size': 'MSS',
  'Window scale': 'WS',
  'SACK permitted': 'SACK_PERM',
  'No-Operation': 'NOP',
  'End of Option List': 'EOL',
  Timestamps: 'TS',
}

/** `protolab layers --read` for people: each packet's four layers, then each TCP connection's story. */
export function renderReadReport(report: ReadReport, style: LayerStyle): string[] {
  const lines = [`${report.file}: ${report.format}, ${plural(report.packets.length, 'packet')}`]
  for (const packet of report.packets) lines.push('', ...renderPacket(packet, report.encoding, style))
  const offloaded = report.packets.some((packet) =>
    packet.layers.some((layer) => layer.layer === 'transport' && layer.checksumValid === false),
  )
  if (offloaded) {
    lines.push(
      '',
      'Incorrect UDP/TCP checksums in a capture of your own traffic are usually offloaded: the kernel',
      'leaves them for the network card to fill in (lo has none), and the capture sees them before that.',
    )
  }
  for (const story of report.tcp) {
    const numbers = story.packets
    lines.push(
      '',
      style.colors.bold(
        `TCP ${story.client} ⇄ ${story.server} (${plural(numbers.length, 'packet')}: #${numbers[0]} to #${numbers[numbers.length - 1]})`,
      ),
      `  ${story.handshake.line}`,
      `  ${story.data.line}`,
      `  ${story.retransmissions.segments.length > 0 ? style.colors.yellow(story.retransmissions.line) : story.retransmissions.line}`,
      `  ${story.close.line}`,
    )
  }
  return lines
}

function renderPacket(packet: PacketReport, encoding: string, style: LayerStyle): string[] {
  const head = `#${packet.number}  ${packet.time.toFixed(6)}  ${packet.summary}`
  if (packet.error !== undefined) return [style.colors.red(head)]
  const protocolWidth = Math.max(...packet.layers.map((layer) => layer.protocol.length))
  const bytesWidth = Math.max(...packet.layers.map((layer) => String(layer.length).length))
  return [
    style.colors.bold(head),
    ...packet.layers.map((layer) => {
      const name = style.paint(layer.layer, layer.layer.padEnd(LAYER_WIDTH))
      const size = `${String(layer.length).padStart(bytesWidth)} bytes`
      const detail =
        layer.layer === 'application' ? applicationDetail(packet, encoding) : layerDetail(layer, style)
      return `  ${name}  ${layer.protocol.padEnd(protocolWidth)}  ${size}  ${detail}`.trimEnd()
    }),
  ]
}

function applicationDetail(packet: PacketReport, encoding: string): string {
  return packet.text === undefined ? '' : `${quoteText(packet.text)} (${encoding})`
}

/** The fields that say most about a layer, on one line. */
function layerDetail(layer: DissectedLayer, style: LayerStyle): string {
  const field = (name: string): PacketField | undefined => layer.fields.find((f) => f.name === name)
  const value = (name: string): string => String(field(name)?.value ?? '?')
  const noted = (name: string): string => {
    const f = field(name)
    return f === undefined ? '?' : f.note === undefined ? String(f.value) : `${f.value} (${f.note})`
  }
  const checksum = (name: string): string => {
    const f = field(name)
    if (f === undefined) return ''
    // The full note explains offloading; the footnote under the packets says it once.
    const note = (f.note ?? '').replace(OFFLOAD_NOTE, '')
    const painted =
      note === 'correct'
        ? style.colors.green(note)
        : note.startsWith('incorrect')
          ? style.colors.red(note)
          : note
    return `, checksum ${f.value} ${painted}`
  }
  switch (layer.protocol) {
    case 'Ethernet II':
      return `${value('Source')} → ${value('Destination')}, type ${noted('Type')}`
    case 'Linux cooked capture v1':
    case 'Linux cooked capture v2':
      return `packet type ${noted('Packet type')}, protocol ${noted('Protocol')}`
    case 'Null/Loopback':
      return `family ${noted('Family')}`
    case 'IPv4':
      return (
        `${value('Source')} → ${value('Destination')}, TTL ${value('Time to live')}, ID ${value('Identification')}, ` +
        `flags ${field('Flags')?.note ?? '?'}, total length ${value('Total length')}${checksum('Header checksum')}`
      )
    case 'IPv6':
      return (
        `${value('Source')} → ${value('Destination')}, hop limit ${value('Hop limit')}, flow label ${value('Flow label')}, ` +
        `payload length ${value('Payload length')}, next header ${noted('Next header')}`
      )
    case 'UDP':
      return `${value('Source port')} → ${value('Destination port')}, length ${value('Length')}${checksum('Checksum')}`
    case 'TCP': {
      const options = layer.fields.filter((f) => f.name.startsWith('Option: ')).map(shortOption)
      return (
        `${value('Source port')} → ${value('Destination port')} [${field('Flags')?.note ?? ''}], seq ${value('Sequence number')}, ` +
        `ack ${value('Acknowledgment number')}, window ${value('Window')}${checksum('Checksum')}` +
        (options.length > 0 ? `, options: ${options.join(', ')}` : '')
      )
    }
    default:
      return layer.fields.map((f) => `${f.name} ${f.value}`).join(', ')
  }
}

function shortOption(field: PacketField): string {
  const name = field.name.slice('Option: '.length)
  const short = SHORT_OPTION_NAMES[name] ?? name
  if (field.value === true || field.value === short) return short
  if (short === 'WS') return `WS ${String(field.value).split(' ')[0]}`
  return `${short} ${field.value}`
}
