import { Option } from 'commander'
import { deferParse } from './deferred.js'

/** Core, loaded when a command runs: importing it here would load its codec tables for `--help`. */
const core = () => import('@protolab/core')

/** An option taking a whole number of bytes (`1460`, `64KiB`, `10MB`), read by core's `parseByteCount`. */
export function byteCountOption(flags: string, description: string): Option {
  const option = new Option(flags, description)
  return deferParse(option, async (value: string) =>
    (await core()).parseByteCount(value, option.long ?? flags),
  )
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
