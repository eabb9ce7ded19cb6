import { existsSync, readFileSync } from 'node:fs'
import { hasTool, runTool } from './exec.js'
import { removeNamespaces } from './link.js'
import { LINK_PREFIX, ownerOf } from './names.js'

/** What {@link cleanupKernelLinks} found and did. */
export interface CleanupResult {
  /** Namespaces deleted (with what ran in them, their veth ends and rules). */
  readonly namespaces: readonly string[]
  /** Network devices deleted from the host's namespace. */
  readonly devices: readonly string[]
  /** nftables tables deleted from the host's namespace, as `family name`. */
  readonly tables: readonly string[]
  /** Namespaces left alone because the protolab process that made them still runs. */
  readonly skipped: readonly string[]
}

/** Options of {@link cleanupKernelLinks}. */
export interface CleanupOptions {
  /** Also remove the links of protolab processes that still run. */
  readonly all?: boolean
  /** The PATH to look for nft in. */
  readonly path: string
}

/**
 * Removes what kernel-link runs left behind, by name prefix (`plab-`): network namespaces (killing
 * what still runs in them), and, in the host's namespace, devices and nftables tables, which a run
 * never makes there but an interrupted setup of an older version might have. The namespaces of a
 * protolab process that is still running are left alone unless `all`.
 * @throws KernelLinkError when a deletion fails (e.g. without root)
 */
export async function cleanupKernelLinks(options: CleanupOptions): Promise<CleanupResult> {
  const namespaces: string[] = []
  const skipped: string[] = []
  for (const namespace of await listNamespaces()) {
    const owner = ownerOf(namespace)
    if (options.all !== true && owner !== undefined && isRunningNode(owner)) skipped.push(namespace)
    else namespaces.push(namespace)
  }
  await removeNamespaces(namespaces)
  const left = new Set(await listNamespaces())
  const stuck = namespaces.filter((namespace) => left.has(namespace))
  if (stuck.length > 0) {
    // removeNamespaces is quiet; say why it did not work.
    await runTool('ip', ['netns', 'del', stuck[0] ?? ''])
  }

  const devices = (await runTool('ip', ['-o', 'link', 'show']))
    .split('\n')
    .map((line) => /^\d+:\s+([^:@\s]+)/.exec(line)?.[1])
    .filter((name): name is string => name?.startsWith('plab') === true)
  for (const device of devices) await runTool('ip', ['link', 'del', device])

  const tables: string[] = []
  if (hasTool('nft', options.path)) {
    for (const line of (await runTool('nft', ['list', 'tables'])).split('\n')) {
      const match = /^table\s+(\S+)\s+(plab\S*)$/.exec(line.trim())
      if (match === null) continue
      await runTool('nft', ['delete', 'table', match[1] ?? '', match[2] ?? ''])
      tables.push(`${match[1]} ${match[2]}`)
    }
  }
  return { namespaces, devices, tables, skipped }
}

/** The kernel link namespaces that exist (`ip netns list`). */
export async function listNamespaces(): Promise<string[]> {
  const output = await runTool('ip', ['netns', 'list'])
  return output
    .split('\n')
    .map((line) => line.trim().split(/\s+/)[0] ?? '')
    .filter((name) => name.startsWith(LINK_PREFIX))
}

/** True when `pid` is a running node process (protolab, or a test runner that uses the kernel link). */
function isRunningNode(pid: number): boolean {
  const cmdline = `/proc/${pid}/cmdline`
  if (!existsSync(cmdline)) return false
  try {
    return /node|protolab/.test(readFileSync(cmdline, 'utf8'))
  } catch {
    return false
  }
}
