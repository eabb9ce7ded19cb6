import { resolve } from 'node:path'
import { describeWorkload, kernelLinkNotes, type LossTool, runKernelLink } from '@protolab/lab'
import { createProgressDisplay } from '@protolab/lab/progress'
import type { RemoteLabReport } from '@protolab/lab/remote'
import { renderJson, renderTable, writeCsvLog, writeHtml } from '@protolab/lab/report'
import { UsageError } from '../errors.js'
import type { CliIO } from '../io.js'
import { writeAndDrain } from '../io.js'
import { type LabFlags, labOptionsFromFlags } from '../lab/command.js'
import { printTwoSidedInterval } from '../lab-remote/print-intervals.js'

/**
 * `protolab lab --link kernel`: the lab's flags, run over the kernel link, reported as a local
 * run is (table or `--json`, `--log`, `--report`, `--capture` on the receiver's veth), with TCP's
 * retransmits, RTT and cwnd.
 */
export async function runKernelLabCommand(flags: LabFlags, io: CliIO): Promise<void> {
  if (flags.inProcess) {
    throw new UsageError(
      '--in-process works on the proxy link only: the kernel link runs each end in its own namespace',
    )
  }
  if (flags.ipv6) throw new UsageError('the kernel link is IPv4 only (10.77.0.0/30 inside its namespaces)')
  const options = labOptionsFromFlags(flags)
  const progress = createProgressDisplay(io.stderr, io.isTTY.stderr && !flags.json)
  let linkDescription: string | undefined
  let lossTool: LossTool | undefined
  let report: RemoteLabReport
  try {
    report = await runKernelLink(options, {
      signal: io.signal,
      onProgress: progress.onProgress,
      ...(flags.json ? {} : { onInterval: printTwoSidedInterval(io) }),
      ...(flags.capture === undefined ? {} : { capture: flags.capture }),
      onWarning: (warning) => io.stderr.write(`${warning}\n`),
      onLink: (description, tool) => {
        linkDescription = description
        lossTool = tool
        if (!flags.json) io.stderr.write(`lab: ${describeWorkload(options)}, over the ${description}\n`)
      },
    })
  } finally {
    progress.stop()
  }
  const notes = kernelLinkNotes(report.runs, linkDescription)
  if (flags.json) {
    await writeAndDrain(io.stdout, renderJson(report))
  } else {
    const color = io.isTTY.stdout && io.env.NO_COLOR === undefined
    await writeAndDrain(io.stdout, renderTable(report.runs, { color, notes, lossTool }))
  }
  if (flags.log !== undefined) {
    await writeCsvLog(flags.log, report.traces, io.stderr)
  }
  if (flags.report !== undefined) {
    await writeHtml(flags.report, report, {
      command: `lab --link kernel, ${describeWorkload(options)}`,
      notes,
      lossTool,
    })
    io.stderr.write(`report: ${resolve(flags.report)}\n`)
  }
  if (flags.capture !== undefined) io.stderr.write(`capture: ${resolve(flags.capture)}\n`)
}
