import type { FlowPacing, FlowPlan } from '@protolab/core'
import type { LabTransportName } from '@protolab/lab'
import { Option } from 'commander'
import { deferParse } from './deferred.js'

/** Core, loaded when a command runs: importing it here would load its codec tables for `--help`. */
const core = () => import('@protolab/core')

/** `-P, --parallel <n>`: 1 to 128 flows of the chosen transport at once, read by core's `parseParallel`. */
export function parallelOption(
  flags = '-P, --parallel <n>',
  description = 'run n flows at once, each with its own sequence space (1-128, as iperf3 -P)',
): Option {
  const option = new Option(flags, description)
  return deferParse(option, async (value: string) =>
    (await core()).parseParallel(value, option.long ?? flags),
  )
}

/**
 * `--rate <rate>` that also takes a bit rate: messages per second as ever (`500`, `500/s`; `0` is
 * unpaced, as before) or a bit rate (`30mbit`, `1.5gbit`, `800kbit`), read by core's
 * `parsePacing`. The value is a FlowPacing, or null for `0` (as fast as the transport takes them).
 */
export function pacingOption(
  flags = '--rate <rate>',
  description = 'pace each flow: messages/s (500) or a bit rate (30mbit, 1.5gbit); 0 = as fast as possible',
): Option {
  const option = new Option(flags, description)
  return deferParse(option, async (value: string): Promise<FlowPacing | null> => {
    if (/^\s*0+(\.0*)?\s*(\/s)?\s*$/.test(value)) return null
    return (await core()).parsePacing(value, option.long ?? flags)
  })
}

/** `--flows <spec>`: kept as text, read by {@link flowPlansFromFlags} once `--rate` is known. */
export function flowsOption(
  flags = '--flows <spec>',
  description = 'flows of several transports at once: transport[:count][@rate],… e.g. udp:1@30mbit,tcp:2',
): Option {
  return new Option(flags, description)
}

/** What {@link flowPlansFromFlags} reads of a command's flags. */
export interface FlowFlags {
  readonly transport: LabTransportName | 'both'
  readonly parallel?: number
  readonly flows?: string
  /** `--rate` as {@link pacingOption} read it (null: unpaced), or undefined when not given. */
  readonly rate?: FlowPacing | null
}

/**
 * The runs of flows the flags ask for, one after the other: `--parallel n` gives one plan per
 * transport (`-t both`: UDP's n flows, then TCP's), `--flows` one plan with every flow in it, each
 * flow without its own `@rate` taking `--rate`. Undefined when neither was given: the lab's one
 * flow per transport, as before.
 *
 * @throws InvalidArgumentError for a bad spec, or `--parallel` and `--flows` together (bad usage)
 */
export async function flowPlansFromFlags(
  flags: FlowFlags,
): Promise<FlowPlan<LabTransportName>[] | undefined> {
  const { InvalidArgumentError, parallelFlowPlan, parseFlowSpec } = await core()
  const rate = flags.rate ?? undefined
  if (flags.parallel !== undefined && flags.flows !== undefined) {
    throw new InvalidArgumentError(
      '--parallel and --flows do not go together: write the count in the spec (udp:4,tcp:4)',
    )
  }
  if (flags.flows !== undefined) {
    return [parseFlowSpec(flags.flows, { transports: ['udp', 'tcp', 'kcp'] as const, defaultRate: rate })]
  }
  if (flags.parallel === undefined) return undefined
  const transports: LabTransportName[] = flags.transport === 'both' ? ['udp', 'tcp'] : [flags.transport]
  return transports.map((transport) => parallelFlowPlan(transport, flags.parallel!, rate))
}
