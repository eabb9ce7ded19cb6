import type { AddressDescription } from '@protolab/core'

/**
 * `protolab ip` for people: one field a line, then a sentence saying whether the address can be
 * a host's address and why not.
 */
export function formatAddressDescription(description: AddressDescription, netmask: string): string {
  const d = description
  const rows: Array<readonly [string, string]> = [
    ['family', d.family],
    ...(d.class === null ? [] : ([['class', d.class]] as const)),
    ['scope', d.scope],
    ['prefix', `/${d.prefix}`],
    ['netmask', netmask],
    ['network', d.network],
    ['broadcast', d.broadcast ?? (d.family === 'IPv6' ? 'none (IPv6 has no broadcast)' : 'none')],
    ['first host', d.firstHost],
    ['last host', d.lastHost],
    ['host count', String(d.hostCount)],
    ...(d.expanded === null ? [] : ([['expanded', d.expanded]] as const)),
    ...(d.compressed === null ? [] : ([['compressed', d.compressed]] as const)),
  ]
  const width = Math.max(...rows.map(([label]) => label.length))
  return [
    `${d.address}/${d.prefix}`,
    ...rows.map(([label, value]) => `  ${label.padEnd(width)}  ${value}`),
    usability(d),
  ].join('\n')
}

function usability(d: AddressDescription): string {
  const prefix = `${d.network}/${d.prefix}`
  if (d.isBroadcastAddress) return `${d.address} is the broadcast address of ${prefix}: not usable as a host`
  if (d.isNetworkAddress) return `${d.address} is the network address of ${prefix}: not usable as a host`
  if (d.usableAsHost) return `${d.address} is usable as a host address`
  return `${d.address} is not usable as a host address (${d.scope})`
}
