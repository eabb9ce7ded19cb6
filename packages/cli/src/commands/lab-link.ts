import type { LabFlags } from '../lab/command.js'
import { packetLinkSupport } from '../packet-link/support.js'
import { STREAM_ONLY_FLAGS } from './lab-packet.js'

/** What `--link auto` chose: the packet link, or the proxy link and the note that says why. */
export type LinkChoice = { readonly link: 'packet' } | { readonly link: 'proxy'; readonly note: string }

/**
 * `--link auto`: the packet link, where the kernel's own UDP and TCP meet the impairment, when it
 * can run here and the flags fit it; otherwise the proxy link, with a note under the table saying
 * why, so a reader always knows which link made the numbers.
 */
export function chooseLink(flags: LabFlags): LinkChoice {
  const proxy = (why: string): LinkChoice => ({
    link: 'proxy',
    note: `link: proxy, a seeded relay on loopback (--link auto: ${why})`,
  })
  if (flags.inProcess) return proxy('--in-process runs on the proxy link only')
  if (flags.ipv6) return proxy('the packet link is IPv4 only')
  const streamOnly = STREAM_ONLY_FLAGS.filter((key) => flags[key] !== undefined)
  if (streamOnly.length > 0)
    return proxy("the stream impairments (--slice, --stall, --reset, --rto) are the relay's")
  const support = packetLinkSupport()
  if (support.problem !== undefined)
    return proxy(support.problem.message.replace(/; --link proxy works instead.*$/, ''))
  return { link: 'packet' }
}
