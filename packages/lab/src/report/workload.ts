import { formatHostPort } from '@protolab/core'
import type { LabOptions } from '../runner/options.js'
import type { LabListening } from '../runner/run-transport.js'
import { formatCount } from './format.js'

/** A lab's workload in a few words: `10,000 messages of 64 B, as fast as possible, one-way`. */
export function describeWorkload(options: LabOptions): string {
  const count = options.count === undefined ? '' : `${formatCount(options.count)} messages of `
  const size = `${options.size ?? 64} B`
  const rate = options.rate ? `at ${formatCount(Math.round(options.rate))} messages/s` : 'as fast as possible'
  const duration = options.durationMs === undefined ? '' : `, for ${formatCount(options.durationMs)} ms`
  const mode = options.mode === 'rtt' ? 'round trip (echoed)' : 'one-way'
  return `${count || 'messages of '}${size}, ${rate}${duration}, ${mode}`
}

/** Where a run's messages go, in a few words: `through the impairment relay 127.0.0.1:41000 to the receiver 127.0.0.1:41001`. */
export function describeRoute({ receiver, relay }: LabListening): string {
  const to = `the receiver ${formatHostPort(receiver.address, receiver.port)}`
  return relay === undefined
    ? `direct to ${to}`
    : `through the impairment relay ${formatHostPort(relay.address, relay.port)} to ${to}`
}
