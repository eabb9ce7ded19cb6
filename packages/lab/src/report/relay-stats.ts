import type { RelayReport } from '../links/relay/relay.js'
import { formatCount } from './format.js'

/** What a relay did on the way to the receiver, in a few words: `received 1,000, forwarded 950, dropped 50`. */
export function describeRelay(stats: RelayReport): string {
  const counts: Readonly<Record<string, number>> = { ...stats.toServer }
  const names =
    'received' in stats.toServer
      ? ['received', 'forwarded', 'dropped', 'duplicated', 'reordered', 'corrupted']
      : ['bytes', 'writes', 'stalls', 'lostSegments', 'resets']
  return names
    .filter((name, index) => index < 2 || (counts[name] ?? 0) > 0)
    .map((name) => `${name === 'lostSegments' ? 'lost segments' : name} ${formatCount(counts[name] ?? 0)}`)
    .join(', ')
}

/** A relay's (or `protolab proxy`'s) counts for people: one line per direction, then the connection counts. */
export function renderRelayStats(stats: RelayReport): string {
  const direction = (counts: object): string =>
    Object.entries(counts)
      .map(
        ([name, value]) =>
          `${name.replace(/[A-Z]/g, (c) => ` ${c.toLowerCase()}`)} ${formatCount(Number(value))}`,
      )
      .join(', ')
  const rest = Object.entries(stats)
    .filter(([name]) => name !== 'toServer' && name !== 'toClient')
    .map(([name, value]) => `${name} ${formatCount(Number(value))}`)
    .join(', ')
  return `to server: ${direction(stats.toServer)}\nto client: ${direction(stats.toClient)}\n${rest}\n`
}
