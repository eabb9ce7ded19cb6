import type { LabImpairment } from '@protolab/lab'
import { Option } from 'commander'
import { UsageError } from '../errors.js'
import { parseInteger } from '../options/integer.js'
import { byteCountOption, durationOption, probabilityOption, rateOption } from '../options/units.js'

/** The impairment flags as commander parses them (values already converted). */
export interface ImpairmentFlags {
  loss?: number
  lossModel?: 'random' | 'gilbert'
  lossBurst?: number
  dup?: number
  reorder?: number
  reorderGap?: number
  delay?: number
  jitter?: number
  rateLimit?: number
  queue?: number
  corrupt?: number
  slice?: number
  stall?: number
  stallEvery?: number
  stallChance?: number
  reset?: number
  resetAfter?: number
  rto?: number
}

/** Which transports a set of flags is offered for. */
export type ImpairmentScope = 'udp' | 'tcp' | 'both'

/** Bytes between stalls when `--stall` is given alone. */
export const DEFAULT_STALL_EVERY_BYTES = 64 * 1024

/** `--mode`, shared by `protolab lab` and `protolab lab run`. */
export function labModeOption(): Option {
  return new Option(
    '--mode <mode>',
    'oneway: the receiver measures; rtt: it echoes and latency is the round trip',
  )
    .choices(['oneway', 'rtt'])
    .default('oneway')
}

const whole = (flag: string, min: number) => (value: string) => parseInteger(value, flag, { min })

/**
 * The impairment flags of `protolab lab` and `protolab proxy`: probabilities as `10%` or `0.1`,
 * times as `10ms` or a number of ms, rates as `1mbit` or `100KB/s`, sizes as `1460` or `64KiB`
 * (read once the command runs: see options/units.ts).
 */
export function impairmentOptions(): Option[] {
  return [
    probabilityOption(
      '--loss <p>',
      'UDP: drop datagrams with this probability; TCP: modelled as Linux recovers a lost segment (RACK, tail-loss probe, RTO)',
    ),
    new Option('--loss-model <model>', 'UDP: random (independent) or gilbert (bursts)').choices([
      'random',
      'gilbert',
    ]),
    new Option('--loss-burst <n>', 'UDP, gilbert: mean burst length in datagrams (default 4)').argParser(
      whole('--loss-burst', 1),
    ),
    probabilityOption('--dup <p>', 'UDP: send a datagram twice with this probability'),
    probabilityOption(
      '--reorder <p>',
      'UDP: hold a datagram back with this probability, until --reorder-gap others pass',
    ),
    new Option('--reorder-gap <n>', 'UDP: datagrams that overtake a held one (default 3)').argParser(
      whole('--reorder-gap', 1),
    ),
    durationOption('--delay <time>', 'add this delay, e.g. 10ms'),
    durationOption('--jitter <time>', 'vary the delay uniformly by ± this much'),
    rateOption('--rate-limit <rate>', 'link rate, e.g. 1mbit or 100KB/s'),
    new Option(
      '--queue <packets>',
      'with --rate-limit: packets that may wait for the link (drop-tail; on the packet link one queue all flows cross)',
    ).argParser(whole('--queue', 1)),
    probabilityOption('--corrupt <p>', 'UDP: flip one byte of a datagram with this probability'),
    byteCountOption(
      '--slice <bytes>',
      'TCP: deliver the stream in pieces of at most this many bytes (1 = byte by byte)',
      1,
    ),
    durationOption(
      '--stall <time>',
      `TCP: hold the stream this long, every --stall-every bytes (default ${DEFAULT_STALL_EVERY_BYTES / 1024} KiB)`,
    ),
    byteCountOption('--stall-every <bytes>', 'TCP: bytes between stalls'),
    probabilityOption('--stall-chance <p>', 'TCP: stall before a segment with this probability instead'),
    probabilityOption('--reset <p>', 'TCP: reset the connection before a segment with this probability'),
    byteCountOption('--reset-after <bytes>', 'TCP: reset the connection once this many bytes went through'),
    durationOption(
      '--rto <time>',
      'TCP: the minimum RTO of modelled loss, spent when a retransmission is lost too (default 200ms)',
    ),
  ]
}

const UDP_ONLY: readonly (keyof ImpairmentFlags)[] = [
  'lossModel',
  'lossBurst',
  'dup',
  'reorder',
  'reorderGap',
  'queue',
  'corrupt',
]
const TCP_ONLY: readonly (keyof ImpairmentFlags)[] = [
  'slice',
  'stall',
  'stallEvery',
  'stallChance',
  'reset',
  'resetAfter',
  'rto',
]

/**
 * The impairment the flags ask for, in core's field names.
 * @throws UsageError for a flag the scope's transports cannot have, or a modifier without its flag
 */
export function impairmentFromFlags(flags: ImpairmentFlags, scope: ImpairmentScope): LabImpairment {
  const name = (key: keyof ImpairmentFlags): string =>
    `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`
  const given = (keys: readonly (keyof ImpairmentFlags)[]) =>
    keys.filter((key) => flags[key] !== undefined).map(name)
  if (scope === 'tcp' && given(UDP_ONLY).length > 0) {
    throw new UsageError(`${listed(given(UDP_ONLY))} to UDP only`, {
      hint: 'a TCP relay can delay, slow, slice, stall or reset a stream, but TCP itself never duplicates, reorders or corrupts',
    })
  }
  if (scope === 'udp' && given(TCP_ONLY).length > 0) {
    throw new UsageError(`${listed(given(TCP_ONLY))} to TCP only`, {
      hint: 'use -t tcp (or -t both in the lab)',
    })
  }
  if (flags.stall === undefined && (flags.stallEvery !== undefined || flags.stallChance !== undefined)) {
    throw new UsageError(
      `${flags.stallEvery !== undefined ? '--stall-every' : '--stall-chance'} needs --stall <time>`,
      {
        hint: 'e.g. --stall 200ms --stall-every 1MB',
      },
    )
  }
  if (flags.queue !== undefined && flags.rateLimit === undefined) {
    throw new UsageError('--queue needs --rate-limit <rate>: it is the queue in front of the rate limit', {
      hint: 'e.g. --rate-limit 20mbit --queue 100',
    })
  }
  const impairment: { -readonly [K in keyof LabImpairment]: LabImpairment[K] } = {}
  const set = <K extends keyof LabImpairment>(key: K, value: LabImpairment[K] | undefined): void => {
    if (value !== undefined) impairment[key] = value
  }
  set('loss', flags.loss)
  set('lossModel', flags.lossModel)
  set('lossBurst', flags.lossBurst)
  set('duplicate', flags.dup)
  set('reorder', flags.reorder)
  set('reorderGap', flags.reorderGap)
  set('delayMs', flags.delay)
  set('jitterMs', flags.jitter)
  set('rateLimitBytesPerSec', flags.rateLimit)
  set('queuePackets', flags.queue)
  set('corrupt', flags.corrupt)
  set('sliceBytes', flags.slice)
  set('stallMs', flags.stall)
  if (flags.stall !== undefined) {
    if (flags.stallChance !== undefined) set('stallProbability', flags.stallChance)
    else set('stallEveryBytes', flags.stallEvery ?? DEFAULT_STALL_EVERY_BYTES)
    if (flags.stallChance !== undefined && flags.stallEvery !== undefined)
      set('stallEveryBytes', flags.stallEvery)
  }
  set('resetProbability', flags.reset)
  set('resetAfterBytes', flags.resetAfter)
  set('rtoMs', flags.rto)
  return impairment
}

/** `--dup applies`, `--dup, --reorder apply`. */
function listed(flags: readonly string[]): string {
  return `${flags.join(', ')} ${flags.length === 1 ? 'applies' : 'apply'}`
}
