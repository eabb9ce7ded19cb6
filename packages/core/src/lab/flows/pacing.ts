import { quote } from '../../address/_text.js'
import { InvalidArgumentError } from '../../errors.js'
import { ENVELOPE_HEADER_BYTES } from '../envelope.js'
import { parseRate } from '../impairment/parse.js'

/**
 * How fast one flow sends: a bit rate (`30mbit`), or a number of messages per second (`500/s`).
 * A flow without a pacing sends as fast as its transport takes the messages.
 */
export type FlowPacing = { readonly bitsPerSec: number } | { readonly messagesPerSec: number }

const MESSAGE_RATE = /^(\d+(?:\.\d+)?|\.\d+)\s*(?:\/s|msg\/s)?$/

/**
 * A pacing from the command line. A plain number or a number with `/s` (`500`, `500/s`,
 * `500msg/s`) is messages per second, as the lab's `--rate` has always been; a number with a
 * unit is a data rate read by {@link parseRate}: bits written with a lower-case b (`30mbit`,
 * `1.5gbit`, `800kbit`, `2Mb/s`), bytes with an upper-case B (`100KB/s`), k, M, G powers of 1000.
 *
 * @param name what the value is for, as the error message should say (e.g. `--rate`)
 * @throws InvalidArgumentError for anything else, or a rate that is not above 0
 */
export function parsePacing(text: string, name = 'rate'): FlowPacing {
  const trimmed = text.trim()
  const messages = MESSAGE_RATE.exec(trimmed)
  if (messages !== null) {
    const messagesPerSec = Number(messages[1])
    if (!(messagesPerSec > 0)) {
      throw new InvalidArgumentError(
        `${name} ${quote(text)} must be above 0 (leave the rate out to send as fast as possible)`,
      )
    }
    if (!Number.isFinite(messagesPerSec))
      throw new InvalidArgumentError(`${name} ${quote(text)} is too large`)
    return { messagesPerSec }
  }
  try {
    return { bitsPerSec: parseRate(trimmed, name) * 8 }
  } catch (error) {
    // parseRate's own hint says a plain number is bytes/s, which is not so here.
    if (!(error instanceof InvalidArgumentError) || !error.message.includes('is not a rate')) throw error
    throw new InvalidArgumentError(
      `${name} ${quote(text)} is not a rate: write messages like 500/s, or bits like 30mbit, 1.5gbit, 800kbit`,
    )
  }
}

/**
 * The messages per second a sender is paced at for `pacing`, given each message's payload bytes.
 * A bit rate counts the whole lab message the transport is handed (the 32-byte envelope header
 * and the payload), as iperf3's `-b` counts its own header in each datagram; the headers of UDP,
 * TCP, IP and Ethernet are not counted. 0 (no pacing) stays 0.
 */
export function messagesPerSecond(pacing: FlowPacing | undefined, payloadBytes: number): number {
  if (pacing === undefined) return 0
  if ('messagesPerSec' in pacing) return pacing.messagesPerSec
  return pacing.bitsPerSec / (8 * (ENVELOPE_HEADER_BYTES + payloadBytes))
}

/** A pacing in a few characters: `30 Mbit/s`, `500 msg/s`, or `unpaced`. */
export function describePacing(pacing: FlowPacing | undefined): string {
  if (pacing === undefined) return 'unpaced'
  if ('messagesPerSec' in pacing) return `${trimNumber(pacing.messagesPerSec)} msg/s`
  return formatBitsPerSec(pacing.bitsPerSec)
}

/**
 * Bits per second in decimal units with three significant digits at most: `812 bit/s`,
 * `30 Mbit/s`, `1.5 Gbit/s`, `94.4 Mbit/s`.
 */
export function formatBitsPerSec(bitsPerSec: number): string {
  const units = ['bit/s', 'kbit/s', 'Mbit/s', 'Gbit/s', 'Tbit/s']
  let scaled = bitsPerSec
  let unit = 0
  // Compared after rounding, so 999.7 kbit/s reads `1 Mbit/s`, never `1000 kbit/s`.
  while (Number(scaled.toPrecision(3)) >= 1000 && unit < units.length - 1) {
    scaled /= 1000
    unit++
  }
  return `${trimNumber(Number(scaled.toPrecision(3)))} ${units[unit]}`
}

function trimNumber(value: number): string {
  return Number.isInteger(value) ? String(value) : String(Number(value.toFixed(2)))
}
