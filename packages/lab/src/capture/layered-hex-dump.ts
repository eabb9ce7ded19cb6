import type { LayerName, LayerSpan } from '@protolab/core'
import { LAYER_LETTERS, type LayerStyle } from './layer-style.js'

const BYTES_PER_LINE = 16
const OFFSET_WIDTH = 8

/**
 * A `hexdump -C` style dump in which each byte shows its layer: in colour on a terminal, and
 * without colour as a line of layer letters (L, N, T, A; `.` for bytes of no layer, such as
 * padding) under each line of bytes.
 */
export function layeredHexDump(frame: Uint8Array, layers: readonly LayerSpan[], style: LayerStyle): string[] {
  const owner = new Array<LayerName | undefined>(frame.length).fill(undefined)
  for (const layer of layers) {
    for (let index = layer.offset; index < layer.offset + layer.length && index < frame.length; index++) {
      owner[index] = layer.layer
    }
  }
  const lines: string[] = []
  for (let offset = 0; offset < frame.length; offset += BYTES_PER_LINE) {
    let hex = ''
    let marks = ''
    let ascii = ''
    for (let index = 0; index < BYTES_PER_LINE; index++) {
      const at = offset + index
      const byte = frame[at]
      const gap = index === 8 ? ' ' : ''
      if (byte === undefined) {
        hex += `${gap}   `
        continue
      }
      const layer = owner[at]
      hex += `${gap}${style.paint(layer, byte.toString(16).padStart(2, '0'))} `
      marks += `${gap}${layer === undefined ? '.' : LAYER_LETTERS[layer]}  `
      ascii += style.paint(layer, byte >= 0x20 && byte < 0x7f ? String.fromCharCode(byte) : '.')
    }
    lines.push(`${offset.toString(16).padStart(OFFSET_WIDTH, '0')}  ${hex} |${ascii}|`)
    if (!style.colour) lines.push(`${' '.repeat(OFFSET_WIDTH + 2)}${marks.trimEnd()}`)
  }
  return lines
}
