import { quote } from '../../address/_text.js'
import { InvalidArgumentError } from '../../errors.js'
import { type FlowPacing, parsePacing } from './pacing.js'

/** The most flows one run can have, as iperf3's `-P`. */
export const MAX_FLOWS = 128

/** One flow of a run: its own session, sequence space and metrics. */
export interface FlowSpec<T extends string = string> {
  /** 1, 2, … in the order the flows were asked for; unique within a plan. */
  readonly id: number
  readonly transport: T
  /** How fast the flow sends; undefined: as fast as its transport takes the messages. */
  readonly rate: FlowPacing | undefined
}

/** The flows that run at once, over the same link between the same two ends. */
export interface FlowPlan<T extends string = string> {
  readonly flows: readonly FlowSpec<T>[]
}

/**
 * `--parallel <n>` (iperf3's `-P`): a whole number of flows from 1 to {@link MAX_FLOWS}.
 *
 * @throws InvalidArgumentError for anything else
 */
export function parseParallel(text: string, name = '--parallel'): number {
  const trimmed = text.trim()
  const count = /^\d+$/.test(trimmed) ? Number(trimmed) : Number.NaN
  if (!(count >= 1 && count <= MAX_FLOWS)) {
    throw new InvalidArgumentError(
      `${name} ${quote(text)} is not a number of flows: write a whole number from 1 to ${MAX_FLOWS}`,
    )
  }
  return count
}

/**
 * The plan of `--parallel <n>`: `n` flows of one transport, each paced at `rate` (undefined:
 * as fast as the transport takes them).
 *
 * @throws InvalidArgumentError when `n` is not a whole number from 1 to {@link MAX_FLOWS}
 */
export function parallelFlowPlan<T extends string>(transport: T, n: number, rate?: FlowPacing): FlowPlan<T> {
  if (!Number.isSafeInteger(n) || n < 1 || n > MAX_FLOWS) {
    throw new InvalidArgumentError(`parallel flows must be a whole number from 1 to ${MAX_FLOWS}, got ${n}`)
  }
  return {
    flows: Array.from({ length: n }, (_, index) => ({ id: index + 1, transport, rate })),
  }
}

/** Options of {@link parseFlowSpec}. */
export interface ParseFlowSpecOptions<T extends string> {
  /** The transports a group may name, lower case (`['udp', 'tcp']`). */
  readonly transports: readonly T[]
  /** The pacing of every flow whose group has no `@rate` (the run's `--rate`); unpaced when absent. */
  readonly defaultRate?: FlowPacing | undefined
  /** What the value is for, as the error message should say. Default `--flows`. */
  readonly name?: string
}

const GROUP = /^([a-z][a-z0-9]*)(?::([^@]*))?(?:@(.*))?$/i

/**
 * `--flows <spec>`: flows of several transports at once. The spec is a comma-separated list of
 * groups, each `transport[:count][@rate]`:
 *
 * - `transport` is one of `options.transports` (any case);
 * - `count`, default 1, is how many flows of the group run, each with its own sequence space;
 * - `rate`, read by {@link parsePacing}, paces each flow of the group on its own: a bit rate
 *   (`30mbit`, `1.5gbit`, `800kbit`) or messages per second (`500/s`, or a plain `500`). A group
 *   without one takes `options.defaultRate`, and without that sends as fast as it can.
 *
 * `udp:1@30mbit,tcp:2` is one UDP flow at 30 Mbit/s beside two unpaced TCP flows. Flows are
 * numbered 1, 2, … in the order written; groups may repeat a transport. At most {@link MAX_FLOWS}
 * flows in all.
 *
 * @throws InvalidArgumentError, with one line naming the group at fault, for anything else
 */
export function parseFlowSpec<T extends string>(text: string, options: ParseFlowSpecOptions<T>): FlowPlan<T> {
  const name = options.name ?? '--flows'
  const known = options.transports
  const groups = text.split(',').map((group) => group.trim())
  if (text.trim() === '') {
    throw new InvalidArgumentError(`${name} is empty: write groups like udp:1@30mbit,tcp:2`)
  }
  const flows: FlowSpec<T>[] = []
  for (const group of groups) {
    const at = `${name} ${quote(text)}:`
    if (group === '') throw new InvalidArgumentError(`${at} an empty group (two commas, or one at an end)`)
    const match = GROUP.exec(group)
    if (match === null) {
      throw new InvalidArgumentError(
        `${at} ${quote(group)} is not transport[:count][@rate], like udp:1@30mbit`,
      )
    }
    const transport = match[1]!.toLowerCase() as T
    if (!known.includes(transport)) {
      throw new InvalidArgumentError(
        `${at} unknown transport ${quote(match[1]!)} (one of ${known.join(', ')})`,
      )
    }
    const count = groupCount(match[2], `${at} ${quote(group)}`)
    const rate = match[3] === undefined ? options.defaultRate : parsePacing(match[3], `${at} rate`)
    if (flows.length + count > MAX_FLOWS) {
      throw new InvalidArgumentError(`${at} more than ${MAX_FLOWS} flows in all`)
    }
    for (let i = 0; i < count; i++) flows.push({ id: flows.length + 1, transport, rate })
  }
  return { flows }
}

function groupCount(text: string | undefined, at: string): number {
  if (text === undefined) return 1
  const trimmed = text.trim()
  const count = /^\d+$/.test(trimmed) ? Number(trimmed) : Number.NaN
  if (!(count >= 1 && count <= MAX_FLOWS)) {
    throw new InvalidArgumentError(
      `${at} has count ${quote(text)}: write a whole number of flows from 1 to ${MAX_FLOWS}`,
    )
  }
  return count
}

/** The transports of a plan, each once, in the order they first appear. */
export function planTransports<T extends string>(plan: FlowPlan<T>): T[] {
  return [...new Set(plan.flows.map((flow) => flow.transport))]
}
