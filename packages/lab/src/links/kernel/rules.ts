import type { KernelImpairment, NetemSettings } from './impairment.js'

/**
 * The commands that impair a kernel link, as pure functions of the settings (so they are tested
 * without root). Each namespace drops what arrives on its veth end and shapes what leaves it, so
 * the link behaves the same way in both directions. Loss is applied on arrival, as on a wire: a
 * packet dropped on its way out would fail the sender's `sendto` with EPERM, which no real network
 * does. The control channel's port is exempt from loss: the lab measures its data, and a lost
 * control message would only slow the bookkeeping.
 */

/** Resolution of nftables' random draw: loss is exact to 0.0001%. */
const LOSS_SCALE = 1_000_000

/** The nftables counter, in each namespace's table, of the UDP datagrams the loss rule dropped there. */
export const UDP_DROPS_COUNTER = 'udp_drops'

/**
 * The `nft -f -` script of a table that drops `loss` of what arrives on `device`. UDP has a rule of
 * its own with a named counter ({@link UDP_DROPS_COUNTER}), so a run can say how many of its lost
 * datagrams the impairment dropped; the other protocols draw in a second rule.
 */
export function nftLossScript(table: string, device: string, loss: number, exemptPort: number): string {
  const threshold = Math.round(loss * LOSS_SCALE)
  const draw = `numgen random mod ${LOSS_SCALE} < ${threshold}`
  return [
    `table inet ${table} {`,
    `  counter ${UDP_DROPS_COUNTER} { }`,
    '  chain arrival {',
    // Before connection tracking, as early as a packet can be dropped in this family.
    '    type filter hook prerouting priority raw; policy accept;',
    `    iifname "${device}" tcp dport ${exemptPort} accept`,
    `    iifname "${device}" tcp sport ${exemptPort} accept`,
    `    iifname "${device}" meta l4proto udp ${draw} counter name "${UDP_DROPS_COUNTER}" drop`,
    `    iifname "${device}" meta l4proto != udp ${draw} drop`,
    '  }',
    '}',
    '',
  ].join('\n')
}

/**
 * The packet count of `nft -j list counter ...`'s output: the counter's `packets`, or undefined when
 * the output holds no counter.
 */
export function parseNftCounterPackets(json: string): number | undefined {
  let parsed: unknown
  try {
    parsed = JSON.parse(json)
  } catch {
    return undefined
  }
  const items = (parsed as { nftables?: unknown } | null)?.nftables
  if (!Array.isArray(items)) return undefined
  for (const item of items) {
    const packets = (item as { counter?: { packets?: unknown } } | null)?.counter?.packets
    if (typeof packets === 'number' && Number.isSafeInteger(packets)) return packets
  }
  return undefined
}

/** The `iptables` calls that do what {@link nftLossScript} does, where nft is missing. */
export function iptablesLossCommands(device: string, loss: number, exemptPort: number): string[][] {
  const rule = (...match: string[]): string[] => ['-t', 'raw', '-A', 'PREROUTING', '-i', device, ...match]
  return [
    rule('-p', 'tcp', '--dport', String(exemptPort), '-j', 'ACCEPT'),
    rule('-p', 'tcp', '--sport', String(exemptPort), '-j', 'ACCEPT'),
    rule('-m', 'statistic', '--mode', 'random', '--probability', loss.toFixed(6), '-j', 'DROP'),
  ]
}

/** How long a packet may wait in tbf's queue before it is dropped: the relay's default queue limit. */
export const TBF_LATENCY_MS = 1000
/** Smallest tbf bucket: it must hold a whole packet, or nothing ever leaves. */
const MIN_TBF_BURST_BYTES = 4096

/** The `tc` calls (arguments after `tc -n <namespace>`) that shape what leaves `device`. */
export function tcCommands(device: string, impairment: KernelImpairment): string[][] {
  const commands: string[][] = []
  const rate = impairment.rateLimitBytesPerSec
  const netem = impairment.netem
  if (netem !== undefined) {
    commands.push(['qdisc', 'add', 'dev', device, 'root', 'handle', '1:', 'netem', ...netemArgs(netem)])
  }
  if (rate !== undefined) {
    const parent = netem === undefined ? ['root'] : ['parent', '1:1']
    commands.push(['qdisc', 'add', 'dev', device, ...parent, 'handle', '10:', 'tbf', ...tbfArgs(rate)])
  }
  return commands
}

/** tbf's arguments for `bytesPerSec`: the rate in bits, a bucket of 10 ms of data (at least a few packets). */
export function tbfArgs(bytesPerSec: number): string[] {
  const burst = Math.max(MIN_TBF_BURST_BYTES, Math.ceil(bytesPerSec / 100))
  return [
    'rate',
    `${Math.round(bytesPerSec * 8)}bit`,
    'burst',
    String(burst),
    'latency',
    `${TBF_LATENCY_MS}ms`,
  ]
}

/** netem's arguments: `delay 10ms 5ms reorder 2% gap 1 duplicate 1% corrupt 0.1%`. */
export function netemArgs(netem: NetemSettings): string[] {
  const args: string[] = []
  if (netem.delayMs > 0 || netem.jitterMs > 0) {
    args.push('delay', `${netem.delayMs}ms`)
    if (netem.jitterMs > 0) args.push(`${netem.jitterMs}ms`)
  }
  if (netem.reorder > 0) args.push('reorder', percent(netem.reorder), 'gap', String(netem.reorderGap))
  if (netem.duplicate > 0) args.push('duplicate', percent(netem.duplicate))
  if (netem.corrupt > 0) args.push('corrupt', percent(netem.corrupt))
  return args
}

function percent(probability: number): string {
  return `${Math.round(probability * 1_000_000) / 10_000}%`
}
