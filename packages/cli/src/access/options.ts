import { Option } from 'commander'
import { deferParse } from '../options/deferred.js'

/** What `--allow` and `--deny` collected: every value given, each maybe a comma-separated list. */
export interface AccessFlags {
  readonly allow?: readonly string[]
  readonly deny?: readonly string[]
}

/**
 * `--allow <addresses>` and `--deny <addresses>`, as ncat has: IP addresses and CIDR prefixes,
 * comma-separated or the flag repeated. Each entry is checked before the command runs, so a bad
 * entry is bad usage (exit code 2) before anything listens; the checking code (core's address
 * parsers) is loaded only then, not for `--help`.
 */
export function accessOptions(): Option[] {
  return [
    accessOption(
      'allow',
      '--allow <addresses>',
      'only these peers get in: IPs or prefixes, comma-separated or repeated (10.0.0.0/8,::1)',
    ),
    accessOption('deny', '--deny <addresses>', 'refuse these peers, even when allowed: IPs or prefixes'),
  ]
}

/** A repeatable flag whose values are collected as given, then checked by `AccessList.parse`. */
function accessOption(which: keyof AccessFlags, flags: string, description: string): Option {
  const option = new Option(flags, description).argParser((value: string, previous: string[] | undefined) => [
    ...(previous ?? []),
    value,
  ])
  return deferParse(option, async (values: string[]) => {
    const { AccessList } = await import('@protolab/core')
    AccessList.parse({ [which]: values }) // throws AccessRuleError naming the flag and the bad entry
    return values
  })
}
