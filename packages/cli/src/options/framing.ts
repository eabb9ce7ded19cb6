import type { FramingName } from '@protolab/core'
import { Option } from 'commander'
import type { MessageTransportName } from './transport.js'

/** The framings, by flag value. */
export const FRAMING_NAMES = ['line', 'length', 'raw'] as const satisfies readonly FramingName[]

/** `-f, --framing line|length|raw`; its default depends on the transport (see {@link framingFor}). */
export function framingOption(): Option {
  return new Option(
    '-f, --framing <name>',
    'line (one message a line), length (4-byte length prefix) or raw (bytes as they come); default raw over udp and kcp, line over tcp',
  ).choices(FRAMING_NAMES)
}

/**
 * The framing to use: the one asked for, else the transport's natural one: raw over UDP and KCP
 * (one datagram or KCP message is one message, as Python's `sendto`), line over TCP (as nc and a
 * person typing).
 */
export function framingFor(asked: FramingName | undefined, transport: MessageTransportName): FramingName {
  return asked ?? (transport === 'tcp' ? 'line' : 'raw')
}
