import { AbortError, type OpenOptions, type Semantics, type Transport } from '@protolab/core'
import { KCP_SEMANTICS, KCP_STREAM_SEMANTICS } from './constants.js'
import { type KcpEndpoint, KcpSocketEndpoint } from './endpoint.js'
import { type KcpConfig, type KcpInit, planOpen, resolveInit } from './options.js'

/** The KCP transport: a {@link Transport} whose endpoints are {@link KcpEndpoint}s. */
export interface KcpTransport extends Transport {
  /** The knobs in force, after the preset and the options given. */
  readonly config: KcpConfig
  /**
   * With `peer`, dials: binds (`bind`, or an OS-chosen port), connects the UDP socket and starts a
   * session with a random conv; nothing is sent until the first message. Otherwise listens on
   * `bind` (default `127.0.0.1:0`) and opens a session for each address that sends it data.
   */
  open(options?: OpenOptions): Promise<KcpEndpoint>
}

class KCP implements KcpTransport {
  readonly name = 'kcp'
  readonly semantics: Semantics
  readonly config: KcpConfig

  constructor(init?: KcpInit) {
    this.config = resolveInit(init)
    this.semantics = this.config.arq.stream ? KCP_STREAM_SEMANTICS : KCP_SEMANTICS
  }

  async open(options: OpenOptions = {}): Promise<KcpEndpoint> {
    if (options.signal?.aborted === true) throw new AbortError()
    const endpoint = new KcpSocketEndpoint(this.config, planOpen(options))
    await endpoint.start(options.signal)
    return endpoint
  }
}

/**
 * Creates the KCP transport: KCP's ARQ (ikcp's segments, ACKs, fast resend, RTO and congestion
 * window) over node:dgram, wire-compatible with kcp-go's `DialWithOptions(addr, nil, 0, 0)` and
 * `ListenWithOptions(addr, nil, 0, 0)`.
 * @throws InvalidArgumentError when an option has a value it cannot take.
 * @example
 * ```ts
 * const server = await kcp({ preset: 'fast3' }).open({ bind: { port: 0 }, listen: true })
 * const client = await kcp({ preset: 'fast3' }).open({ peer: server.localAddress })
 * await client.send(new TextEncoder().encode('hello'))
 * for await (const m of server) console.log(m.from, m.payload)
 * ```
 */
export function kcp(init?: KcpInit): KcpTransport {
  return new KCP(init)
}
