import { InvalidArgumentError, randomSeed } from '@protolab/core'
import type { RelayReport } from '../links/relay/relay.js'
import { type LabOptions, resolveLabOptions } from './options.js'
import { type RunContext, runTransport } from './run-transport.js'
import type { LabReport, LabRun, LabTrace } from './types.js'

/** Per-call options of {@link runLab}. */
export interface RunLabOptions extends RunContext {
  /** Stops the run: everything started is closed and runLab rejects with AbortError. */
  readonly signal?: AbortSignal
}

/**
 * Runs the lab: for each transport in `options.transports`, in turn, with the same seed and
 * workload, a sender here and a receiver in a child process (or in this process with `inProcess`),
 * through a seeded impairment relay when an impairment is given. Resolves to one run per transport
 * (the `--json` fields) and, with `trace: true`, per-message traces for the CSV log and HTML report.
 *
 * @throws InvalidArgumentError for options out of range
 * @throws PeerResetError when the receiver or relay process dies mid-run (the run never hangs)
 * @throws AbortError when `signal` aborts
 */
export async function runLab(
  options: LabOptions,
  { signal, onProgress, onListening, onInterval }: RunLabOptions = {},
): Promise<LabReport> {
  const plan = resolveLabOptions(options)
  const seed = options.seed ?? randomSeed()
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new InvalidArgumentError(`seed must be a non-negative whole number, got ${String(seed)}`)
  }
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
  return { runs, traces, relays }
}
