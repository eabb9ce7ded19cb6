import { execFileSync } from 'node:child_process'
import { readlinkSync } from 'node:fs'
import { packetLinkEntry } from '../../src/links/packet/entry-file.js'

/** The PID namespace of `pid` (its /proc link), or undefined once the process is gone. */
function pidNamespace(pid: number): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/ns/pid`)
  } catch {
    return undefined
  }
}

/**
 * Processes a packet link of this checkout starts; none may be left once a run is over. Only this
 * checkout's: the host and its unshare name this build's entry file, and what runs in the host's
 * PID namespace is its. Another checkout's runs on the same machine are not this test's to count.
 */
export function packetLinkLeftovers(): string[] {
  const entry = packetLinkEntry()
  const own = pidNamespace(process.pid)
  const pidOf = (line: string): number => Number(line.trim().split(/\s+/)[0])
  const lines = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => /packet-link-host|protolab-packet-link-holder/.test(line))
    .filter((line) => !line.includes('ps -eo'))
  const namespaces = new Set(
    lines
      .filter((line) => line.includes(entry))
      .map((line) => pidNamespace(pidOf(line)))
      .filter((namespace) => namespace !== undefined && namespace !== own),
  )
  return lines.filter((line) => line.includes(entry) || namespaces.has(pidNamespace(pidOf(line)) ?? ''))
}
