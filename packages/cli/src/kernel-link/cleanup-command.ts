import { cleanupKernelLinks, kernelLinkProblem, withSystemDirectories } from '@protolab/lab'
import type { CliIO } from '../io.js'
import { writeLine } from '../io.js'
import { toJsonLine } from '../output/json-line.js'

/** What `protolab lab cleanup` was asked for. */
export interface CleanupFlags {
  all?: boolean
  json?: boolean
}

/** `protolab lab cleanup`: removes what kernel-link runs left behind, and says what it removed. */
export async function runCleanupCommand(flags: CleanupFlags, io: CliIO): Promise<void> {
  const path = withSystemDirectories(io.env.PATH ?? '')
  const problem = kernelLinkProblem({ platform: process.platform, uid: process.getuid?.(), path }, false)
  if (problem !== undefined) throw problem
  const result = await cleanupKernelLinks({ all: flags.all === true, path })
  if (flags.json) {
    writeLine(io.stdout, toJsonLine(result))
    return
  }
  for (const namespace of result.namespaces) writeLine(io.stdout, `removed namespace ${namespace}`)
  for (const device of result.devices) writeLine(io.stdout, `removed device ${device}`)
  for (const table of result.tables) writeLine(io.stdout, `removed nftables table ${table}`)
  for (const namespace of result.skipped) {
    writeLine(
      io.stderr,
      `kept namespace ${namespace}: the process that made it still runs (--all removes it too)`,
    )
  }
  if (result.namespaces.length + result.devices.length + result.tables.length === 0) {
    writeLine(io.stdout, 'nothing to clean up')
  }
}
