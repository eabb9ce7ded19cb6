/** The drawing area of a plot inside its SVG, in SVG units. */
export interface PlotFrame {
  readonly width: number
  readonly height: number
  readonly left: number
  readonly right: number
  readonly top: number
  readonly bottom: number
}

/** The frame every lab plot uses. */
export const PLOT_FRAME: PlotFrame = { width: 560, height: 320, left: 64, right: 16, top: 16, bottom: 44 }

/** A linear map from data values to SVG units. */
export interface Scale {
  readonly min: number
  readonly max: number
  (value: number): number
}

/** Maps [min, max] onto [from, to] (to may be smaller than from, for a y axis that grows upward). */
export function linearScale(min: number, max: number, from: number, to: number): Scale {
  const span = max - min || 1
  const scale = (value: number): number => from + ((value - min) / span) * (to - from)
  return Object.assign(scale, { min, max })
}

/** About `target` round tick values (1, 2 or 5 times a power of ten) covering [min, max]. */
export function niceTicks(min: number, max: number, target = 5): number[] {
  if (!(max > min)) return [min]
  const rough = (max - min) / target
  const power = 10 ** Math.floor(Math.log10(rough))
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= rough) ?? 10 * power
  const ticks: number[] = []
  for (let tick = Math.ceil(min / step) * step; tick <= max + step * 1e-9; tick += step) {
    ticks.push(Number(tick.toPrecision(12)))
    if (ticks.length > 50) break
  }
  return ticks
}

/** A number for an SVG attribute, with at most one decimal. */
export function svgNumber(value: number): string {
  return String(Math.round(value * 10) / 10)
}

/** Text safe inside HTML or SVG markup. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

/** Tick label text: `1.5k` style for large values. */
export function tickLabel(value: number): string {
  const abs = Math.abs(value)
  if (abs >= 1e6) return `${Number((value / 1e6).toPrecision(3))}M`
  if (abs >= 1e4) return `${Number((value / 1e3).toPrecision(3))}k`
  return String(Number(value.toPrecision(4)))
}

/** The frame's axes, grid lines at the ticks, tick labels and axis titles, as SVG markup. */
export function axesSvg(
  x: Scale,
  y: Scale,
  xTitle: string,
  yTitle: string,
  frame: PlotFrame = PLOT_FRAME,
): string {
  const parts: string[] = []
  const bottom = frame.height - frame.bottom
  for (const tick of niceTicks(x.min, x.max)) {
    const px = svgNumber(x(tick))
    parts.push(`<line class="grid" x1="${px}" x2="${px}" y1="${frame.top}" y2="${bottom}"/>`)
    parts.push(
      `<text class="tick" x="${px}" y="${bottom + 16}" text-anchor="middle">${tickLabel(tick)}</text>`,
    )
  }
  for (const tick of niceTicks(y.min, y.max)) {
    const py = svgNumber(y(tick))
    parts.push(
      `<line class="grid" x1="${frame.left}" x2="${frame.width - frame.right}" y1="${py}" y2="${py}"/>`,
    )
    parts.push(
      `<text class="tick" x="${frame.left - 6}" y="${py}" dy="0.32em" text-anchor="end">${tickLabel(tick)}</text>`,
    )
  }
  parts.push(
    `<rect class="frame" x="${frame.left}" y="${frame.top}" width="${frame.width - frame.left - frame.right}" height="${bottom - frame.top}"/>`,
  )
  parts.push(
    `<text class="title" x="${(frame.left + frame.width - frame.right) / 2}" y="${frame.height - 6}" text-anchor="middle">${escapeXml(xTitle)}</text>`,
  )
  parts.push(
    `<text class="title" transform="translate(14 ${(frame.top + bottom) / 2}) rotate(-90)" text-anchor="middle">${escapeXml(yTitle)}</text>`,
  )
  return parts.join('')
}
