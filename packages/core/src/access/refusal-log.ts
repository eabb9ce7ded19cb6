import { formatHostPort } from '../address/index.js'
import type { SocketAddress } from '../transport/types.js'
import type { RefusalListener } from './filtered-endpoint.js'

/** Addresses whose refusal is told once each; past this many, one line says the rest are not shown. */
const MAX_ADDRESSES_TOLD = 256

/**
 * A {@link RefusalListener} that writes one line the first time an address is refused
 * (`[10.0.0.7:40312] refused: not in --allow`) and stays quiet about it after that, so a flood
 * from one source costs one line; ever new sources cost at most {@link MAX_ADDRESSES_TOLD} lines.
 */
export function refusalLog(writeLine: (line: string) => void): RefusalListener {
  const told = new Set<string>()
  let full = false
  return (peer: SocketAddress, reason: string) => {
    if (told.has(peer.address) || full) return
    if (told.size >= MAX_ADDRESSES_TOLD) {
      full = true
      writeLine(`refused more addresses than ${MAX_ADDRESSES_TOLD}; further refusals are counted, not shown`)
      return
    }
    told.add(peer.address)
    writeLine(`[${formatHostPort(peer.address, peer.port)}] refused: ${reason}`)
  }
}
