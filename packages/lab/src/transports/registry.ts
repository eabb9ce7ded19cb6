import { InvalidArgumentError } from '@protolab/core'
import { kcpLabTransport } from './kcp.js'
import type { LabTransport } from './lab-transport.js'
import { tcpLabTransport } from './tcp.js'
import { udpLabTransport } from './udp.js'

/**
 * Every transport the lab knows, by name. The runner, its child processes and the two-host lab
 * rebuild a descriptor from its name here, so a transport is added in one place: its descriptor
 * file beside these, and one entry in this list.
 */
const TRANSPORTS: ReadonlyMap<string, LabTransport> = new Map(
  [udpLabTransport, tcpLabTransport, kcpLabTransport].map((transport) => [transport.name, transport]),
)

/**
 * The descriptor of the transport called `name`.
 * @throws InvalidArgumentError for a name no transport has
 */
export function labTransport(name: string): LabTransport {
  const transport = TRANSPORTS.get(name)
  if (transport === undefined) {
    throw new InvalidArgumentError(`unknown transport "${name}"`)
  }
  return transport
}

/** The names of the transports the lab knows, in the order they were added. */
export function labTransportNames(): string[] {
  return [...TRANSPORTS.keys()]
}

/** The pair the lab compares by default: the kernel's two transports. */
const BOTH = ['udp', 'tcp']

/**
 * The transports a choice names: one by its name, `both` (udp and tcp) or `all` (every one the lab
 * knows, in registry order), as the command line's `-t` takes them.
 * @throws InvalidArgumentError for a name no transport has
 */
export function labTransportsOf(choice: string): string[] {
  if (choice === 'both') return [...BOTH]
  if (choice === 'all') return labTransportNames()
  return [labTransport(choice).name]
}
