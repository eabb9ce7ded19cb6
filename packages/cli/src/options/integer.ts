import { Option } from 'commander'
import { UsageError } from '../errors.js'

/** Bounds of an integer flag. */
export interface IntegerRange {
  readonly min: number
  readonly max?: number
}

/**
 * An option whose value is a whole number in `range`, checked as it is parsed: anything else
 * (`10x`, `1.5`, `-1`, `1e3`) is bad usage (a UsageError, exit code 2), never coerced.
 */
export function integerOption(flags: string, description: string, range: IntegerRange): Option {
  const option = new Option(flags, description)
  return option.argParser((value: string) => parseInteger(value, option.long ?? flags, range))
}

/** Parses `value` as a decimal whole number within `range`, naming `flag` in the error. */
export function parseInteger(value: string, flag: string, range: IntegerRange): number {
  const max = range.max ?? Number.MAX_SAFE_INTEGER
  const number = /^\d{1,16}$/.test(value) ? Number(value) : Number.NaN
  if (!Number.isSafeInteger(number) || number < range.min || number > max) {
    const bounds = range.max === undefined ? `${range.min} or more` : `from ${range.min} to ${range.max}`
    throw new UsageError(`${flag} takes a whole number ${bounds}, not '${value}'`)
  }
  return number
}
