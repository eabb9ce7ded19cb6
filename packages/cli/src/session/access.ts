import type { RefusalListener, SocketAddress } from '@protolab/core'

/** Refused addresses remembered so each is reported once; past this many, no new one is reported. */
const MAX_REPORTED_PEERS = 1024

/**
 * The listener `guardEndpoint` (core) tells of refusals by `--allow` and `--deny`: `tell` hears of
 * each refused address once, so a flood from one source costs one line.
 */
export function refusedOnce(tell: (peer: SocketAddress) => void): RefusalListener {
  const reported = new Set<string>()
  return (peer) => {
    if (reported.has(peer.address) || reported.size >= MAX_REPORTED_PEERS) return
    reported.add(peer.address)
    tell(peer)
  }
}
