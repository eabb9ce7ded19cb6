import { type DissectedLayer, escapeControlCharacters, type PacketField } from '@protolab/core'
import { LAYER_TITLES, type LayerStyle } from './layer-style.js'
import { layeredHexDump } from './layered-hex-dump.js'
import { fieldSize, type LayersReport, type Overhead } from './packet-layers.js'

/** `protolab layers <text>` for people: each layer's fields, the marked hex dump, the overhead. */
export function renderLayersReport(report: LayersReport, frame: Uint8Array, style: LayerStyle): string[] {
  const network = report.layers.find((layer) => layer.layer === 'network')?.protocol ?? 'IP'
  const lines = [
    `${report.transport.toUpperCase()} over ${network}: ${quoteText(report.text)} in ${report.encoding} ` +
      `(${plural(report.overhead.payloadBytes, 'byte')}), ${formatEndpoint(report.from)} → ${formatEndpoint(report.to)}, ` +
      `${plural(report.length, 'byte')} on the wire`,
    '',
  ]
  for (const layer of report.layers) {
    lines.push(...renderLayer(layer, style, layer.layer === 'application' ? report : undefined))
  }
  lines.push('', `Bytes (${legend(style)}):`, ...layeredHexDump(frame, report.layers, style))
  lines.push('', ...renderOverhead(report.overhead, style))
  return lines
}

/** A layer's title line and one line per field: name, value (and meaning), size. */
export function renderLayer(
  layer: DissectedLayer,
  style: LayerStyle,
  application?: { readonly text: string; readonly encoding: string },
): string[] {
  const checksum =
    layer.checksumValid === undefined
      ? ''
      : `, checksum ${layer.checksumValid ? style.colors.green('correct') : style.colors.red('incorrect')}`
  const title = `${LAYER_TITLES[layer.layer]}: ${layer.protocol}, ${plural(layer.length, 'byte')} at offset ${layer.offset}${checksum}`
  const fields: [string, string, string][] = layer.fields.map((field) => [
    field.name,
    fieldValue(field, style),
    fieldSize(field),
  ])
  if (application !== undefined && layer.length > 0) {
    fields.splice(0, fields.length, [
      'Text',
      `${quoteText(application.text)} (${application.encoding})`,
      plural(layer.length, 'byte'),
    ])
  }
  const nameWidth = Math.max(0, ...fields.map(([name]) => name.length))
  const valueWidth = Math.max(0, ...fields.map(([, value]) => visibleLength(value)))
  return [
    style.colors.bold(style.paint(layer.layer, title)),
    ...fields.map(
      ([name, value, size]) =>
        `  ${name.padEnd(nameWidth)}  ${value}${' '.repeat(valueWidth - visibleLength(value))}  ${style.colors.dim(size)}`,
    ),
  ]
}

/** The overhead table: each layer's bytes and share, then headers against payload. */
export function renderOverhead(overhead: Overhead, style: LayerStyle): string[] {
  const titleWidth = Math.max(...overhead.layers.map((layer) => LAYER_TITLES[layer.layer].length))
  const protocolWidth = Math.max(...overhead.layers.map((layer) => layer.protocol.length))
  const bytesWidth = Math.max(...overhead.layers.map((layer) => String(layer.bytes).length))
  return [
    'Overhead:',
    ...overhead.layers.map(
      (layer) =>
        `  ${style.paint(layer.layer, LAYER_TITLES[layer.layer].padEnd(titleWidth))}  ${layer.protocol.padEnd(protocolWidth)}  ` +
        `${String(layer.bytes).padStart(bytesWidth)} bytes  ${percent(layer.share).padStart(6)}`,
    ),
    `  ${plural(overhead.headerBytes, 'header byte')} carry ${plural(overhead.payloadBytes, 'byte')} of payload: ` +
      `${percent(overhead.payloadShare)} of the frame is the message`,
  ]
}

/** The legend of the hex dump's marks. */
function legend(style: LayerStyle): string {
  const entries = (['link', 'network', 'transport', 'application'] as const).map((layer) =>
    style.paint(
      layer,
      style.colour ? LAYER_TITLES[layer].split(' ')[0]!.toLowerCase() : `${layer[0]!.toUpperCase()} ${layer}`,
    ),
  )
  return entries.join(', ')
}

function fieldValue(field: PacketField, style: LayerStyle): string {
  const value = String(field.value)
  if (field.note === undefined) return value
  const note = field.note.startsWith('incorrect')
    ? style.colors.red(field.note)
    : field.note === 'correct'
      ? style.colors.green(field.note)
      : field.note
  return `${value} (${note})`
}

/** Text in double quotes with control characters made visible. */
export function quoteText(text: string): string {
  return `"${escapeControlCharacters(text)}"`
}

/** `127.0.0.1:9000` or `[::1]:9000`. */
export function formatEndpoint(endpoint: { readonly address: string; readonly port: number }): string {
  return endpoint.address.includes(':')
    ? `[${endpoint.address}]:${endpoint.port}`
    : `${endpoint.address}:${endpoint.port}`
}

/** `1 byte`, `5 bytes`. */
export function plural(count: number, unit: string): string {
  return `${count} ${unit}${count === 1 ? '' : 's'}`
}

function percent(share: number): string {
  return `${(share * 100).toFixed(1)}%`
}

const ANSI = /\x1b\[[0-9;]*m/g

/** Length as shown on a terminal: without colour codes. */
function visibleLength(text: string): number {
  return text.replace(ANSI, '').length
}
