import { Option } from 'commander'
import { UsageError } from '../errors.js'
import { deferParse } from './deferred.js'

/** Core, loaded when a command runs: importing it here would load its codec tables for `--help`. */
const core = () => import('@protolab/core')

/**
 * An option taking a whole number of bytes (`1460`, `64KiB`, `10MB`), read by core's
 * `parseByteCount`, of at least `min` (a UsageError below it).
 */
export function byteCountOption(flags: string, description: string, min = 0): Option {
  const option = new Option(flags, description)
  const flag = option.long ?? flags
  return deferParse(option, async (value: string) => {
    const bytes = (await core()).parseByteCount(value, flag)
    if (bytes < min) throw new UsageError(`${flag} takes ${min} byte${min === 1 ? '' : 's'} or more`)
    return bytes
  })
}

/** An option taking a time in milliseconds (`10ms`, `5s`, `250`), read by core's `parseDurationMs`. */
export function durationOption(flags: string, description: string): Option {
  const option = new Option(flags, description)
  return deferParse(option, async (value: string) =>
    (await core()).parseDurationMs(value, option.long ?? flags),
  )
}

/** An option taking a probability (`10%`, `0.1`), read by core's `parseProbability`. */
export function probabilityOption(flags: string, description: string): Option {
  const option = new Option(flags, description)
  return deferParse(option, async (value: string) =>
    (await core()).parseProbability(value, option.long ?? flags),
  )
}

/** An option taking a rate in bytes per second (`1mbit`, `100KB/s`), read by core's `parseRate`. */
export function rateOption(flags: string, description: string): Option {
  const option = new Option(flags, description)
  return deferParse(option, async (value: string) => (await core()).parseRate(value, option.long ?? flags))
}
