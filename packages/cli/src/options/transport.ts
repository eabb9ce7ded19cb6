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
