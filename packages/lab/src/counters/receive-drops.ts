import type { Endpoint } from '@protolab/core'
import { udpSocketDrops } from './udp-counters.js'

/**
 * Datagrams dropped on their way into a UDP endpoint: the kernel's `drops` of its socket (a full
 * receive buffer) plus those its own queue dropped for want of a reader (@protolab/udp's
 * `dropped`). Read before the endpoint closes, by the process that owns it. Undefined for TCP
 * (which drops nothing it acknowledged) and where the kernel's count cannot be read.
 */
export function receiveDrops(endpoint: Endpoint): number | undefined {
  if (endpoint.semantics.connectionOriented) return undefined
  const local = endpoint.localAddress
  if (local === undefined) return undefined
  const kernel = udpSocketDrops(local.address, local.port)
  if (kernel === undefined) return undefined
  const queued = (endpoint as { readonly dropped?: unknown }).dropped
  return kernel + (typeof queued === 'number' ? queued : 0)
}
