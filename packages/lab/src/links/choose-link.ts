import { InvalidArgumentError } from '@protolab/core'
import { MIN_INTERVAL_MS } from '../remote/protocol.js'
import { type LabOptions, STREAM_ONLY_IMPAIRMENTS } from '../runner/options.js'
import type { LabImpairment } from '../runner/types.js'
import { packetLinkSupport } from './packet/support.js'

/** The link a run takes, and, when `auto` fell back to the proxy link, the note that says why. */
export type ChosenLink = { readonly link: 'packet' } | { readonly link: 'proxy'; readonly note?: string }

/**
 * Decides the link of a run. `packet` is checked (it throws where it cannot run, or when the
 * options do not fit it); `auto` takes the packet link when it can run here and the options fit
 * it, otherwise the proxy link with a note saying why, so a reader always knows which link made
 * the numbers; `proxy` (the default) is taken as it is.
 *
 * @throws LabError (reason `packet-link-unavailable`) for `packet` where it cannot run
 * @throws InvalidArgumentError for `packet` with options it cannot have (in-process, intervals under 100 ms, stream impairments)
 */
export function chooseLink(options: LabOptions): ChosenLink {
  const link = options.link ?? 'proxy'
  if (link === 'proxy') return { link: 'proxy' }
  const misfit = packetMisfit(options)
  if (link === 'packet') {
    if (misfit !== undefined) throw new InvalidArgumentError(`the packet link cannot run it: ${misfit}`)
    const support = packetLinkSupport()
    if (support.problem !== undefined) throw support.problem
    return { link: 'packet' }
  }
  const proxy = (why: string): ChosenLink => ({
    link: 'proxy',
    note: `link: proxy, a seeded relay on loopback (link auto: ${why})`,
  })
  if (misfit !== undefined) return proxy(misfit)
  const support = packetLinkSupport()
  if (support.problem !== undefined) return proxy(support.problem.message)
  return { link: 'packet' }
}

/** Why the options do not fit the packet link, or undefined when they do. */
function packetMisfit(options: LabOptions): string | undefined {
  if (options.inProcess === true) return 'in-process runs are on the proxy link only'
  if (options.intervalMs !== undefined && options.intervalMs < MIN_INTERVAL_MS)
    return `intervals shorter than ${MIN_INTERVAL_MS} ms are on the proxy link only, the packet link's lab server taking none shorter`
  const impairment: LabImpairment = options.impairment ?? {}
  const streamOnly = STREAM_ONLY_IMPAIRMENTS.filter((key) => impairment[key] !== undefined)
  if (streamOnly.length > 0)
    return `the stream impairments (${streamOnly.join(', ')}) are the relay's; on the packet link the kernel makes its own TCP`
  return undefined
}
