import type { LabRun } from '../runner/types.js'
import { labTransport } from '../transports/registry.js'
import { bothWays, columnLabels, describeImpairment, type KernelLossTool } from './format.js'
import { describeLoss, describeTcpDelays } from './loss-story.js'

/** What a report says under its table, besides the runs themselves. */
export interface ReportNotesOptions {
  /** Lines about the whole report: what the kernel link was, where the lab server was. */
  readonly notes?: readonly string[]
  /** Kernel link runs: the program that dropped packets, named in their impairment. */
  readonly lossTool?: KernelLossTool
}

/** One line under the table; `modelled` and `interrupted` lines are set apart (coloured on a terminal). */
export interface NoteLine {
  readonly text: string
  readonly tone: 'plain' | 'modelled' | 'interrupted'
}

/**
 * The lines under the results table, the same for the terminal and the HTML report: what the
 * arrows mean when the runs went both ways, the report's notes, then per run its impairment (and
 * seed, where a seed repeats it), what was modelled and why it was interrupted. Remote runs have
 * no impairment line: they ran over the network as it is.
 */
export function reportNotes(runs: readonly LabRun[], options: ReportNotesOptions = {}): NoteLine[] {
  const lines: NoteLine[] = []
  const plain = (text: string): void => {
    lines.push({ text, tone: 'plain' })
  }
  if (bothWays(runs)) plain('→ from this host to the server, ← from the server to this host, both at once')
  for (const note of options.notes ?? []) plain(note)
  const labels = columnLabels(runs)
  for (const [index, run] of runs.entries()) {
    const prefix = runs.length > 1 ? `${labels[index]}: ` : ''
    // The kernel draws its own random numbers: a seed would not repeat the run.
    const seed = run.link === 'kernel' ? '' : `, seed ${run.seed}`
    // The relay impairs some transports both ways (KCP, whose ACKs cross the same path).
    const ways =
      run.link === 'proxy' && run.impairment !== null && labTransport(run.transport).relayDirection === 'both'
        ? ', both ways'
        : ''
    if (run.link !== 'remote')
      plain(`${prefix}impairment ${describeImpairment(run, options.lossTool)}${ways}${seed}`)
    const loss = describeLoss(run)
    if (loss !== undefined) plain(`${prefix}${loss}`)
    const delays = describeTcpDelays(run)
    if (delays !== undefined) plain(`${prefix}${delays}`)
    if (run.modelled !== undefined) lines.push({ text: `${prefix}${run.modelled}`, tone: 'modelled' })
    if (run.interrupted !== undefined) {
      lines.push({ text: `${prefix}interrupted: ${run.interrupted}`, tone: 'interrupted' })
    }
  }
  return lines
}
