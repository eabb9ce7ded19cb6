/**
 * One result row of `pnpm bench`, exactly the shape written to bench/results.json:
 * `{ name, value, unit, baseline, baselineValue, ratio, target, met }`.
 *
 * `ratio` is always `value / baselineValue` (so for a latency, above 1 is slower than the baseline).
 * `target` is the condition as text; `met` is whether it held, or null for a row with no target.
 */

/**
 * A condition a row must meet: on its `ratio` or its `value`, with `>=`, `<=` or `<`.
 * `unit` (for value checks) only shapes the text of `target`.
 */
export function check(on, op, limit, unit = '') {
  return { on, op, limit, unit }
}

/**
 * Builds a row. `checks` (from {@link check}) become `target` and `met`; a missing value or baseline
 * (a skipped measurement) gives `ratio: null` and `met: null`.
 */
export function resultRow({ name, value, unit, baseline = null, baselineValue = null, checks = [] }) {
  const hasValue = typeof value === 'number' && Number.isFinite(value)
  const hasBaseline =
    typeof baselineValue === 'number' && Number.isFinite(baselineValue) && baselineValue !== 0
  const ratio = hasValue && hasBaseline ? value / baselineValue : null
  const target = checks.length === 0 ? null : checks.map(describeCheck).join(' and ')
  let met = null
  if (checks.length > 0 && hasValue) {
    met = checks.every((c) => {
      const measured = c.on === 'ratio' ? ratio : value
      return measured !== null && holds(measured, c.op, c.limit)
    })
  }
  return {
    name,
    value: hasValue ? value : null,
    unit,
    baseline,
    baselineValue: hasBaseline ? baselineValue : null,
    ratio,
    target,
    met,
  }
}

function holds(measured, op, limit) {
  if (op === '>=') return measured >= limit
  if (op === '<=') return measured <= limit
  if (op === '<') return measured < limit
  throw new Error(`unknown comparison ${op}`)
}

function describeCheck(c) {
  const sign = c.op === '>=' ? '≥' : c.op === '<=' ? '≤' : '<'
  return c.on === 'ratio'
    ? `ratio ${sign} ${c.limit}`
    : `${sign} ${c.limit}${c.unit === '' ? '' : ` ${c.unit}`}`
}
