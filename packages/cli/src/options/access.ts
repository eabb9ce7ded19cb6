import { Option } from 'commander'

/** Collects a repeatable, comma-separated list flag (`--allow 10.0.0.0/8,::1 --allow 192.168.0.7`). */
function collectList(value: string, previous: readonly string[] | undefined): string[] {
  return [...(previous ?? []), ...value.split(',').map((entry) => entry.trim())]
}

/** `--allow` and `--deny`: which peers a listener serves, by address or prefix, as ncat has. */
export function accessOptions(): Option[] {
  return [
    new Option(
      '--allow <addresses>',
      'serve only these peers: addresses or prefixes, comma-separated or repeated',
    ).argParser(collectList),
    new Option(
      '--deny <addresses>',
      'refuse these peers: addresses or prefixes, comma-separated or repeated',
    ).argParser(collectList),
  ]
}

/** The values of {@link accessOptions}. */
export interface AccessFlags {
  readonly allow?: readonly string[]
  readonly deny?: readonly string[]
}
