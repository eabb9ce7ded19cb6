import { Option } from 'commander'
import { AccessList } from './access-list.js'

/** What `--allow` and `--deny` collected: every value given, each maybe a comma-separated list. */
export interface AccessFlags {
  readonly allow?: readonly string[]
  readonly deny?: readonly string[]
}

/**
 * `--allow <addresses>` and `--deny <addresses>`, as ncat has: IP addresses and CIDR prefixes,
 * comma-separated or the flag repeated. Each value is checked as it is parsed, so a bad entry is
 * bad usage (exit code 2) before anything listens.
 */
export function accessOptions(): Option[] {
  return [
    new Option(
      '--allow <addresses>',
      'only these peers get in: IPs or prefixes, comma-separated or repeated (10.0.0.0/8,::1)',
    ).argParser(collect('allow')),
    new Option('--deny <addresses>', 'refuse these peers, even when allowed: IPs or prefixes').argParser(
      collect('deny'),
    ),
  ]
}

/** The access list the flags ask for: {@link AccessList.everyone} when neither flag was given. */
export function accessListOf(flags: AccessFlags): AccessList {
  return AccessList.parse({ allow: flags.allow ?? [], deny: flags.deny ?? [] })
}

function collect(which: 'allow' | 'deny'): (value: string, previous: string[] | undefined) => string[] {
  return (value, previous) => {
    AccessList.parse({ [which]: [value] }) // throws UsageError naming the flag and the bad entry
    return [...(previous ?? []), value]
  }
}
