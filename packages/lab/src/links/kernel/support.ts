import { LabError } from '../../errors.js'
import { hasTool } from './exec.js'

/** What the kernel link needs to know of the machine. */
export interface MachineFacts {
  readonly platform: string
  /** The effective user id; undefined where there is none (Windows). */
  readonly uid: number | undefined
  /** The PATH to look for tools in. */
  readonly path: string
}

/** The tools the kernel link runs; of `nft` and `iptables` one is enough, and only with --loss. */
const REQUIRED_TOOLS = ['ip', 'tc'] as const

/**
 * Why the kernel link cannot run here, as the error to show, or undefined when it can: off Linux
 * (bad usage, exit code 2), without root, or without iproute2 (exit code 1). Each names the proxy
 * link, which needs none of it.
 */
export function kernelLinkProblem(facts: MachineFacts, needsLoss: boolean): LabError | undefined {
  if (facts.platform !== 'linux') {
    return new LabError(
      'ERR_INVALID_ARGUMENT',
      `--link kernel needs Linux network namespaces, and this is ${facts.platform}`,
      { reason: 'kernel-link-platform' },
    )
  }
  if (facts.uid !== 0) {
    return new LabError(
      'ERR_PRIVILEGE',
      '--link kernel needs root: it creates network namespaces, a veth pair and nftables rules',
      { reason: 'kernel-link-root' },
    )
  }
  const missing: string[] = REQUIRED_TOOLS.filter((tool) => !hasTool(tool, facts.path))
  if (needsLoss && !hasTool('nft', facts.path) && !hasTool('iptables', facts.path))
    missing.push('nft (or iptables)')
  if (missing.length > 0) {
    return new LabError(
      'ERR_UNSUPPORTED',
      `--link kernel needs ${listOf(missing)}, which ${missing.length === 1 ? 'is' : 'are'} not installed`,
      { reason: 'kernel-link-tools' },
    )
  }
  return undefined
}

/** `a`, `a and b`, `a, b and c`. */
function listOf(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`
}
