import type { Option } from 'commander'
import { integerOption } from '../options/integer.js'

/**
 * The limits every listener takes, with one spelling and one meaning everywhere:
 * `--max-connections <n>` (TCP peers at once; one more is closed as soon as it is accepted, and
 * counted) and `--idle-timeout <seconds>` (a peer that sent nothing and was sent nothing this long
 * is disconnected; 0 = never). Each command states its own defaults, listed in the README's
 * Security section:
 *
 * | command | --max-connections | --idle-timeout |
 * | --- | --- | --- |
 * | `listen -t tcp`, `chat --listen`, `chat --room` | 100 (as ncat) | 0 (never) |
 * | `lab serve` (control connections) | 16 | 60 s |
 * | `proxy` | 256 TCP connections, 1024 UDP clients | 60 s |
 */

/** Node's timers hold at most 2^31-1 ms. */
const MAX_IDLE_TIMEOUT_S = 2_147_483

/** `--max-connections <n>`: most peers at once; `defaultValue` undefined leaves the default to the transport (say it in `description`). */
export function maxConnectionsOption(description: string, defaultValue?: number): Option {
  const option = integerOption('--max-connections <n>', description, { min: 1 })
  return defaultValue === undefined ? option : option.default(defaultValue)
}

/** `--idle-timeout <seconds>`: disconnect a peer silent this long, 0 = never (`min` 1 where never is not offered). */
export function idleTimeoutOption(description: string, defaultSeconds?: number, min = 0): Option {
  const option = integerOption('--idle-timeout <seconds>', description, { min, max: MAX_IDLE_TIMEOUT_S })
  return defaultSeconds === undefined ? option : option.default(defaultSeconds)
}
