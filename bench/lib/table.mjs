/**
 * Renders result rows (result.mjs) as a Markdown table: readable in a terminal and pasted as is
 * into the README.
 */
export function renderTable(rows) {
  const header = ['benchmark', 'protolab', 'baseline', 'baseline value', 'ratio', 'target', 'met']
  const body = rows.map((row) => [
    row.name,
    formatQuantity(row.value, row.unit),
    row.baseline ?? '',
    formatQuantity(row.baselineValue, row.unit),
    row.ratio === null ? '' : `${formatNumber(row.ratio)}×`,
    row.target ?? '',
    row.met === null ? '' : row.met ? 'yes' : '**no**',
  ])
  const widths = header.map((title, column) =>
    Math.max(title.length, ...body.map((cells) => cells[column].length)),
  )
  const line = (cells) => `| ${cells.map((cell, column) => cell.padEnd(widths[column])).join(' | ')} |`
  const rule = `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`
  return [line(header), rule, ...body.map(line)].join('\n')
}

/** A value with its unit, to three significant digits, large rates with a k/M/G prefix. */
export function formatQuantity(value, unit) {
  if (value === null || value === undefined) return ''
  if (unit === 'B/s' || unit === 'msg/s') {
    const prefixes = ['', 'k', 'M', 'G']
    let scaled = value
    let index = 0
    while (Math.abs(scaled) >= 1000 && index < prefixes.length - 1) {
      scaled /= 1000
      index++
    }
    return unit === 'B/s'
      ? `${formatNumber(scaled)} ${prefixes[index]}B/s`
      : `${formatNumber(scaled)}${prefixes[index]} msg/s`
  }
  if (unit === 'fraction') return `${(value * 100).toFixed(1)} %`
  return `${formatNumber(value)} ${unit}`
}

/** Three significant digits, without an exponent. */
export function formatNumber(value) {
  if (!Number.isFinite(value)) return String(value)
  const magnitude = Math.abs(value)
  if (magnitude >= 100) return value.toFixed(0)
  if (magnitude >= 10) return value.toFixed(1)
  if (magnitude >= 1) return value.toFixed(2)
  return value.toPrecision(3)
}
