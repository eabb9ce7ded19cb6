import { readdirSync, readFileSync } from 'node:fs'
import { PACKET_LINK_ENTRY_FILE } from './entry-file.js'

/** A packet link host process found by {@link findPacketLinkHosts}. */
export interface PacketLinkHost {
  readonly pid: number
  /** True when the lab process that started it is gone (its `unshare` was orphaned, or is gone too). */
  readonly orphaned: boolean
}

/**
 * The packet link hosts running on this machine, seen from here: processes running the lab's
 * packet link entry as `host <pid of the lab process>`. A host ends its link when its lab process ends (its stdin closes),
 * so one that outlives it is stuck, and {@link removePacketLinks} ends it.
 */
export function findPacketLinkHosts(): PacketLinkHost[] {
  const hosts: PacketLinkHost[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    const pid = Number(entry)
    const args = commandLine(pid)
    // unshare's own command line names the host too: the host is the one whose parent is unshare.
    if (args === undefined || args[0]?.endsWith('unshare')) continue
    const at = args.findIndex((arg) => arg.endsWith(PACKET_LINK_ENTRY_FILE))
    if (at < 0 || args[at + 1] !== 'host') continue
    const labPid = Number(args[at + 2])
    const unshare = parentOf(pid)
    const lab = unshare === undefined ? undefined : parentOf(unshare)
    // Orphaned, its unshare was adopted by init or a subreaper: no longer the lab process that started it.
    hosts.push({ pid, orphaned: lab !== labPid || commandLine(labPid) === undefined })
  }
  return hosts
}

/**
 * Ends stray packet links: each orphaned host is killed, and as PID 1 of its namespaces it takes
 * everything of its link with it. A host whose lab process still runs is never stray (it ends with
 * that process), so even `lab cleanup --all` leaves it to its run. Returns the pids killed.
 */
export function removePacketLinks(): number[] {
  const killed: number[] = []
  for (const host of findPacketLinkHosts()) {
    if (!host.orphaned) continue
    try {
      process.kill(host.pid, 'SIGKILL')
      killed.push(host.pid)
    } catch {
      // Gone already, or not ours to kill.
    }
  }
  return killed
}

function commandLine(pid: number): string[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')
  } catch {
    return undefined
  }
}

function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // The command name in parentheses may hold spaces: the fields after its last ')' are plain.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return Number(fields[1])
  } catch {
    return undefined
  }
}
