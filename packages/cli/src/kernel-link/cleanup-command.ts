import {
  cleanupKernelLinks,
  kernelLinkProblem,
  removePacketLinks,
  withSystemDirectories,
} from '@protolab/lab'
import type { CliIO } from '../io.js'
import { writeLine } from '../io.js'
import { toJsonLine } from '../output/json-line.js'

/** What `protolab lab cleanup` was asked for. */
export interface CleanupFlags {
  all?: boolean
  json?: boolean
}

/**
 * `protolab lab cleanup`: removes what packet-link and kernel-link runs left behind, and says what
 * it removed. A packet link leaves at most a stuck host process (its namespaces go with it); the
 * kernel link's namespaces need root, and are skipped, saying so, without it.
 */
export async function runCleanupCommand(flags: CleanupFlags, io: CliIO): Promise<void> {
  const path = withSystemDirectories(io.env.PATH ?? '')
  const packetHosts = process.platform === 'linux' ? removePacketLinks() : []
  for (const pid of packetHosts) writeLine(io.stdout, `removed packet link (host process ${pid})`)
  const problem = kernelLinkProblem({ platform: process.platform, uid: process.getuid?.(), path }, false)
  if (problem !== undefined) {
    // Off Linux there is nothing of either link; without root, the kernel link's namespaces are out of reach.
    if (process.platform !== 'linux') throw problem
    if (packetHosts.length === 0) writeLine(io.stdout, 'nothing to clean up of packet links')
    writeLine(io.stderr, `kernel links not checked: ${problem.message}`)
    return
  }
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
  if (packetHosts.length + result.namespaces.length + result.devices.length + result.tables.length === 0) {
    writeLine(io.stdout, 'nothing to clean up')
  }
}
