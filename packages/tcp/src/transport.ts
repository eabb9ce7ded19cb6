import type { OpenOptions } from '@protolab/core'
import { openClient } from './client-endpoint.js'
import { TCP_SEMANTICS } from './constants.js'
import { openListener } from './listener-endpoint.js'
import { resolveOpenOptions, resolveTcpInit, type TcpInit, type TcpSettings } from './options.js'
import type { TcpEndpoint, TcpTransport } from './types.js'

/**
 * The TCP transport: `open({ listen: true, bind })` accepts many peers, `open({ peer, bind? })`
 * connects to one. Messages are cut out of the stream by `init.framing` (`line` by default).
 *
 * @example
 * const server = await tcp().open({ listen: true, bind: { port: 0 } })
 * const client = await tcp().open({ peer: server.localAddress! })
 * await client.send(new TextEncoder().encode('hello'))
 * @throws InvalidArgumentError when an option of `init` has a value it cannot take.
 */
export function tcp(init?: TcpInit): TcpTransport {
  return new Tcp(resolveTcpInit(init))
}

class Tcp implements TcpTransport {
  readonly name = 'tcp'
  readonly semantics = TCP_SEMANTICS

  constructor(private readonly settings: TcpSettings) {}

  async open(options?: OpenOptions): Promise<TcpEndpoint> {
    const plan = resolveOpenOptions(options)
    return plan.kind === 'listen' ? openListener(this.settings, plan) : openClient(this.settings, plan)
  }
}
