import type { LayerName } from '@protolab/core'
import { createColors } from 'picocolors'

type Colors = ReturnType<typeof createColors>
type Paint = (text: string) => string

/** How layers are told apart in the output: a colour on a terminal, a letter everywhere. */
export interface LayerStyle {
  /** True when colours are on (stdout is a terminal and NO_COLOR is not set). */
  readonly colour: boolean
  readonly colors: Colors
  /** Paints text in a layer's colour (unchanged without colour). */
  paint(layer: LayerName | undefined, text: string): string
}

/** The letter marking a layer's bytes in a hex dump. */
export const LAYER_LETTERS: Readonly<Record<LayerName, string>> = {
  link: 'L',
  network: 'N',
  transport: 'T',
  application: 'A',
}

/** The title of a layer, as the TCP/IP model names it. */
export const LAYER_TITLES: Readonly<Record<LayerName, string>> = {
  link: 'Link layer',
  network: 'Network layer',
  transport: 'Transport layer',
  application: 'Application layer',
}

/** The style of a layers report: in colour (for a terminal), or marked by letters only. */
export function layerStyle(colour: boolean): LayerStyle {
  const colors = createColors(colour)
  const paints: Record<LayerName, Paint> = {
    link: colors.cyan,
    network: colors.green,
    transport: colors.yellow,
    application: colors.magenta,
  }
  return {
    colour,
    colors,
    paint: (layer, text) => (layer === undefined ? colors.dim(text) : paints[layer](text)),
  }
}
