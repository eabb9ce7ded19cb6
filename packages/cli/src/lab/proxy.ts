import { accessListOf, formatHostPort, refusalLog, type SocketAddress } from '@protolab/core'
import {
  describeImpairment,
  impairmentFor,
  labTransport,
  type RelayReport,
  renderRelayStats,
  startProxy,
} from '@protolab/lab'
import { type CliIO, writeAndDrain, writeLine } from '../io.js'
import type { AccessFlags } from '../options/access.js'
import {
  formatAddress,
  type IPVersionFlags,
  ipVersionOf,
  parseDestination,
  parseLocalAddress,
} from '../options/address.js'
import type { MessageTransportName } from '../options/transport.js'
import { type ImpairmentFlags, impairmentFromFlags } from './flags.js'

/** What `protolab proxy` was asked for, as commander parsed it. */
export interface ProxyFlags extends ImpairmentFlags, IPVersionFlags, AccessFlags {
  listen: string
  to: string
  /** kcp is relayed as the UDP datagrams it is made of. */
  transport: MessageTransportName
  seed?: number
  direction: 'forward' | 'both'
  maxConnections?: number
  idleTimeout?: number
  json?: boolean
}

/** What `protolab proxy --json` prints on exit. */
export interface ProxyJson {
  readonly transport: MessageTransportName
  readonly listen: string
  readonly to: string
  readonly seed: number
  readonly direction: 'forward' | 'both'
  readonly impairment: object | null
  readonly stats: RelayReport
}

/**
 * `protolab proxy`: the lab's seeded impairment relay between any two programs. Says where it
 * listens on stderr, relays until Ctrl-C or SIGTERM, then prints what it did (text or `--json`).
 */
export async function runProxyCommand(flags: ProxyFlags, io: CliIO): Promise<void> {
  const version = ipVersionOf(flags)
  const listen = await parseLocalAddress(flags.listen, version)
  const to = await parseDestination(flags.to, version)
  // KCP is datagrams on the wire: the UDP relay carries it, with the UDP impairments.
  const datagrams = labTransport(flags.transport).impairment === 'datagram'
  const impairment =
    impairmentFor(flags.transport, impairmentFromFlags(flags, datagrams ? 'udp' : 'tcp')) ?? null
  const access = accessListOf(flags)
  const logRefusal = refusalLog((line) => writeLine(io.stderr, `proxy: ${line}`))
  const proxy = startProxy({
    transport: flags.transport,
    listen: { host: listen.host, port: listen.port },
    to: { host: to.address, port: to.port },
    direction: flags.direction,
    ...(impairment === null ? {} : { impairment }),
    ...(flags.seed === undefined ? {} : { seed: flags.seed }),
    ...(flags.idleTimeout === undefined ? {} : { idleTimeoutMs: flags.idleTimeout * 1000 }),
    ...(flags.maxConnections === undefined ? {} : { maxPeers: flags.maxConnections }),
    ...(access.restricts
      ? {
          acceptClient: (client: SocketAddress): boolean => {
            const reason = access.reasonRefused(client.address)
            if (reason !== undefined) logRefusal(client, reason)
            return reason === undefined
          },
        }
      : {}),
  })
  try {
    await proxy.listening
  } catch (error) {
    await proxy.close()
    throw error
  }
  const address: SocketAddress = proxy.address ?? { address: listen.host, port: listen.port, family: 'IPv4' }
  const described = describeImpairment({ transport: flags.transport, impairment })
  io.stderr.write(
    `proxy listening on ${formatAddress(address)} (${flags.transport}) -> ${formatHostPort(to.address, to.port)}, impairment ${described}${flags.direction === 'both' ? ' (both ways)' : ''}, seed ${proxy.seed}\n`,
  )
  if (!io.signal.aborted) {
    await new Promise<void>((resolve) => io.signal.addEventListener('abort', () => resolve(), { once: true }))
  }
  const stats = proxy.stats()
  await proxy.close()
  if (flags.json) {
    const json: ProxyJson = {
      transport: flags.transport,
      listen: formatAddress(address),
      to: formatHostPort(to.address, to.port),
      seed: proxy.seed,
      direction: flags.direction,
      impairment,
      stats,
    }
    await writeAndDrain(io.stdout, `${JSON.stringify(json, null, 2)}\n`)
    return
  }
  await writeAndDrain(io.stdout, renderRelayStats(stats))
}
