import { InvalidArgumentError, randomSeed } from '@protolab/core'
import { chooseLink } from '../links/choose-link.js'
import { runPacketLab } from '../links/packet/lab.js'
import type { RelayReport } from '../links/relay/relay.js'
import { type LabOptions, resolveLabOptions } from './options.js'
import { type RunContext, runTransport } from './run-transport.js'
import type { LabReport, LabRun, LabTrace, LabTransportName } from './types.js'

/** Per-call options of {@link runLab}. */
export interface RunLabOptions extends RunContext {
  /** Stops the run: everything started is closed and runLab rejects with AbortError. */
  readonly signal?: AbortSignal
  /** Packet link: told once per transport, when its link is up, what the link is in one line. */
  readonly onLink?: (transport: LabTransportName, description: string) => void
}

/**
 * Runs the lab: for each transport in `options.transports`, in turn, with the same seed and
 * workload, a sender here and a receiver in a child process (or in this process with `inProcess`),
 * through a seeded impairment relay when an impairment is given; or, with `link: 'packet'` (or
 * `'auto'` where it can run), between two network namespaces whose packets cross the seeded impairer. Resolves to one run per transport
 * (the `--json` fields) and, with `trace: true`, per-message traces for the CSV log and HTML report.
 *
 * @throws InvalidArgumentError for options out of range
 * @throws PeerResetError when the receiver or relay process dies mid-run (the run never hangs)
 * @throws AbortError when `signal` aborts
 */
export async function runLab(
  options: LabOptions,
  { signal, onProgress, onListening, onLink, onInterval }: RunLabOptions = {},
): Promise<LabReport> {
  const chosen = chooseLink(options)
  const plan = resolveLabOptions({ ...options, link: chosen.link })
  const seed = options.seed ?? randomSeed()
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new InvalidArgumentError(`seed must be a non-negative whole number, got ${String(seed)}`)
  }
  if (chosen.link === 'packet') return runPacketLab(plan, seed, { signal, onProgress, onLink, onInterval })
  const runs: LabRun[] = []
  const traces: LabTrace[] = []
  const relays: (RelayReport | undefined)[] = []
  for (const transport of plan.transports) {
    const outcome = await runTransport(plan, transport, seed, {
      signal,
      onProgress,
      onListening,
      onInterval,
    })
    runs.push(outcome.run)
    relays.push(outcome.relay)
    if (outcome.trace !== undefined) traces.push(outcome.trace)
  }
  return { runs, traces, relays, ...(chosen.note === undefined ? {} : { notes: [chosen.note] }) }
}
