import { AbortError, type OpenOptions, type Transport } from '@protolab/core'
import { UDP_SEMANTICS } from './constants.js'
import { DatagramEndpoint, type UdpEndpoint } from './endpoint.js'
import { planOpen, resolveInit, type UdpConfig, type UdpInit } from './options.js'

/** The UDP transport: {@link Transport} whose endpoints are {@link UdpEndpoint}s. */
export interface UdpTransport extends Transport {
  /**
   * Opens a UDP socket. With `bind`, binds it (host default `127.0.0.1`, or `::1` for IPv6; port 0 =
   * the OS picks); with `peer`, connects it, so it sends there by default, hears only that peer and
   * learns of ICMP port unreachable; with neither, the first send binds an OS-chosen port on every
   * interface, as Python's `sendto` does, and replies arrive there.
   */
  open(options?: OpenOptions): Promise<UdpEndpoint>
}

class UDP implements UdpTransport {
  readonly name = 'udp'
  readonly semantics = UDP_SEMANTICS
  private readonly config: UdpConfig

  constructor(init?: UdpInit) {
    this.config = resolveInit(init)
  }

  async open(options: OpenOptions = {}): Promise<UdpEndpoint> {
    if (options.signal?.aborted === true) throw new AbortError()
    const plan = planOpen(options, this.config)
    const endpoint = new DatagramEndpoint(this.config, plan.type)
    await endpoint.start(plan, options.signal)
    return endpoint
  }
}

/**
 * Creates the UDP (SOCK_DGRAM) transport over node:dgram.
 * @throws InvalidArgumentError when an option has a value it cannot take.
 * @example
 * ```ts
 * const receiver = await udp().open({ bind: { port: 0 } })
 * const sender = await udp().open({ peer: receiver.localAddress })
 * await sender.send(new TextEncoder().encode('hello'))
 * for await (const m of receiver) console.log(m.from, m.payload)
 * ```
 */
export function udp(init?: UdpInit): UdpTransport {
  return new UDP(init)
}
