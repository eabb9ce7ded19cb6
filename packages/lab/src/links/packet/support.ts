import { spawnSync } from 'node:child_process'
import { accessSync, constants, readFileSync } from 'node:fs'
import { delimiter, join } from 'node:path'
import { LabError } from '../../errors.js'

/** How the packet link gets its namespaces: as root, or as an unprivileged user inside a user namespace. */
export type PacketLinkMode = 'root' | 'rootless'

/** The programs the packet link runs: util-linux, iproute2 and ethtool. */
export const PACKET_LINK_TOOLS = ['unshare', 'nsenter', 'ip', 'ethtool'] as const

/** Whether the packet link can run here, and how; see {@link packetLinkSupport}. */
export type PacketLinkSupport =
  | { readonly mode: PacketLinkMode; readonly problem?: undefined }
  | { readonly mode?: undefined; readonly problem: LabError }

/**
 * Finds out whether the packet link can run on this machine: Linux, its tools installed, either
 * root or unprivileged user namespaces (`kernel.unprivileged_userns_clone`,
 * `user.max_user_namespaces`, and a real try, which also catches an AppArmor or seccomp refusal),
 * and a kernel that makes VXLAN devices there.
 * The problem, when there is one, is one line that says why (a program adds which link works
 * instead: the proxy link, by the error's reason `packet-link-unavailable`).
 */
export function packetLinkSupport(
  facts: { platform?: string; uid?: number | undefined; path?: string } = {},
): PacketLinkSupport {
  const platform = facts.platform ?? process.platform
  const uid = 'uid' in facts ? facts.uid : process.getuid?.()
  const path = facts.path ?? systemPath(process.env.PATH ?? '')
  const fail = (why: string): PacketLinkSupport => ({
    problem: new LabError('ERR_UNSUPPORTED', `the packet link cannot run here: ${why}`, {
      reason: 'packet-link-unavailable',
    }),
  })
  if (platform !== 'linux') return fail(`it needs Linux network namespaces, and this is ${platform}`)
  const missing = PACKET_LINK_TOOLS.filter((tool) => !hasTool(tool, path))
  if (missing.length > 0)
    return fail(`${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not installed`)
  const mode: PacketLinkMode = uid === 0 ? 'root' : 'rootless'
  if (mode === 'rootless') {
    if (readSetting('/proc/sys/kernel/unprivileged_userns_clone') === '0')
      return fail(
        'unprivileged user namespaces are disabled (kernel.unprivileged_userns_clone = 0), and this is not root',
      )
    if (readSetting('/proc/sys/user/max_user_namespaces') === '0')
      return fail('user namespaces are disabled (user.max_user_namespaces = 0), and this is not root')
  }
  const tryInNamespaces = (command: readonly string[]): string | undefined => {
    const tried = spawnSync('unshare', [...unshareArgs(mode), ...command], {
      encoding: 'utf8',
      timeout: 10_000,
      env: { ...process.env, PATH: path },
    })
    if (tried.status === 0) return undefined
    return (tried.stderr ?? '').trim().split('\n')[0] || tried.error?.message || `${command[0]} failed`
  }
  // One try in the common case: a VXLAN device made in fresh namespaces. Only when that fails is
  // a second try needed, to tell namespaces that cannot be made from a kernel without VXLAN.
  const noVxlan = tryInNamespaces([
    'ip',
    'link',
    'add',
    'probe',
    'type',
    'vxlan',
    'id',
    '1',
    'dstport',
    '4789',
    'remote',
    '127.0.0.2',
  ])
  if (noVxlan === undefined) return { mode }
  const noNamespaces = tryInNamespaces(['true'])
  if (noNamespaces !== undefined)
    return fail(
      `cannot make its namespaces (${noNamespaces})${mode === 'rootless' ? ' as an unprivileged user' : ''}`,
    )
  // A user namespace cannot load a module: where vxlan is one, root loads it once.
  const load = mode === 'rootless' ? '; where vxlan is a module, root can load it: modprobe vxlan' : ''
  return fail(`the kernel cannot make a VXLAN device in a namespace (${noVxlan})${load}`)
}

/**
 * The `unshare` flags of the link host: fresh network, PID and mount namespaces (a private /proc),
 * the host as PID 1 (so its end kills everything inside), and killed with unshare itself; plus a
 * user namespace where this is not root.
 */
export function unshareArgs(mode: PacketLinkMode): string[] {
  const base = ['--net', '--pid', '--mount-proc', '--fork', '--kill-child']
  return mode === 'root' ? base : ['--user', '--map-root-user', ...base]
}

/** `path` with the sbin directories, where ip and ethtool live and a user's PATH may not look. */
export function systemPath(path: string): string {
  return [path, '/usr/sbin', '/sbin', '/usr/bin', '/bin'].filter((part) => part !== '').join(delimiter)
}

function hasTool(name: string, path: string): boolean {
  return path.split(delimiter).some((directory) => {
    if (directory === '') return false
    try {
      accessSync(join(directory, name), constants.X_OK)
      return true
    } catch {
      return false
    }
  })
}

function readSetting(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8').trim()
  } catch {
    return undefined
  }
}
