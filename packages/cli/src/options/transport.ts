import { Option } from 'commander'

/** The transports the command line offers. */
export const TRANSPORT_NAMES = ['udp', 'tcp'] as const

/** A transport by its flag value. */
export type TransportName = (typeof TRANSPORT_NAMES)[number]

/** `-t, --transport udp|tcp`, UDP unless asked. */
export function transportOption(): Option {
  return new Option('-t, --transport <name>', 'udp (SOCK_DGRAM) or tcp (SOCK_STREAM)')
    .choices(TRANSPORT_NAMES)
    .default('udp')
}

/** The transports that carry messages between two programs: the kernel's two, and KCP over UDP. */
export const MESSAGE_TRANSPORT_NAMES = [...TRANSPORT_NAMES, 'kcp'] as const

/** A message transport by its flag value. */
export type MessageTransportName = (typeof MESSAGE_TRANSPORT_NAMES)[number]

/** `-t, --transport udp|tcp|kcp` for the commands that exchange messages, UDP unless asked. */
export function messageTransportOption(): Option {
  return new Option(
    '-t, --transport <name>',
    'udp (SOCK_DGRAM), tcp (SOCK_STREAM) or kcp (reliable messages over UDP, as kcp-go)',
  )
    .choices(MESSAGE_TRANSPORT_NAMES)
    .default('udp')
}

/**
 * True when the transport keeps message boundaries on the wire (a UDP datagram, a KCP message), so
 * one message carries one frame; false for TCP's byte stream.
 */
export function keepsBoundaries(transport: MessageTransportName): boolean {
  return transport !== 'tcp'
}
