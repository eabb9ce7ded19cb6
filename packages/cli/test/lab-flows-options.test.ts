import { Command } from 'commander'
import { describe, expect, it } from 'vitest'
import { parseDeferredOptions } from '../src/options/deferred.js'
import { flowPlansFromFlags, flowsOption, pacingOption, parallelOption } from '../src/options/flows.js'

/** Parses `argv` with the three flow options, as a command would before its action. */
async function parse(argv: string[]): Promise<Record<string, unknown>> {
  const command = new Command()
    .exitOverride()
    .addOption(parallelOption())
    .addOption(pacingOption())
    .addOption(flowsOption())
  command.parse(argv, { from: 'user' })
  await parseDeferredOptions(command)
  return command.opts()
}

describe('flow options', () => {
  it('reads -P/--parallel, --rate as messages/s or a bit rate, and --flows as text', async () => {
    expect(await parse(['-P', '4'])).toEqual({ parallel: 4 })
    expect(await parse(['--parallel', '128'])).toEqual({ parallel: 128 })
    expect(await parse(['--rate', '500'])).toEqual({ rate: { messagesPerSec: 500 } })
    expect(await parse(['--rate', '30mbit'])).toEqual({ rate: { bitsPerSec: 30e6 } })
    expect(await parse(['--rate', '0'])).toEqual({ rate: null })
    expect(await parse(['--flows', 'udp:1,tcp:2'])).toEqual({ flows: 'udp:1,tcp:2' })
  })

  it('refuses a bad value as core does, in one line naming the flag', async () => {
    await expect(parse(['-P', '0'])).rejects.toThrow(
      '--parallel "0" is not a number of flows: write a whole number from 1 to 128',
    )
    await expect(parse(['--rate', 'fast'])).rejects.toThrow(/^--rate "fast" is not a rate/)
  })
})

describe('flowPlansFromFlags', () => {
  it('gives nothing without --parallel or --flows: the lab runs one flow per transport', async () => {
    expect(await flowPlansFromFlags({ transport: 'both' })).toBeUndefined()
  })

  it('gives one plan of n flows per transport for --parallel, one after the other with -t both', async () => {
    const plans = await flowPlansFromFlags({ transport: 'both', parallel: 2, rate: { messagesPerSec: 100 } })
    expect(plans?.map((plan) => plan.flows.map((flow) => `${flow.id}${flow.transport}`))).toEqual([
      ['1udp', '2udp'],
      ['1tcp', '2tcp'],
    ])
    expect(plans?.[0]?.flows[0]?.rate).toEqual({ messagesPerSec: 100 })
  })

  it('gives one plan for --flows, --rate pacing the groups without their own', async () => {
    const plans = await flowPlansFromFlags({
      transport: 'udp',
      flows: 'udp@30mbit,tcp',
      rate: { messagesPerSec: 10 },
    })
    expect(plans).toEqual([
      {
        flows: [
          { id: 1, transport: 'udp', rate: { bitsPerSec: 30e6 } },
          { id: 2, transport: 'tcp', rate: { messagesPerSec: 10 } },
        ],
      },
    ])
    const unpaced = await flowPlansFromFlags({ transport: 'udp', flows: 'tcp', rate: null })
    expect(unpaced?.[0]?.flows[0]?.rate).toBeUndefined()
  })

  it('refuses --parallel with --flows, and a bad spec', async () => {
    await expect(flowPlansFromFlags({ transport: 'udp', parallel: 2, flows: 'udp' })).rejects.toThrow(
      '--parallel and --flows do not go together',
    )
    await expect(flowPlansFromFlags({ transport: 'udp', flows: 'quic:1' })).rejects.toThrow(
      '--flows "quic:1": unknown transport "quic" (one of udp, tcp, kcp)',
    )
  })
})
