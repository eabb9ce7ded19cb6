import { ENVELOPE_HEADER_BYTES, type Endpoint, type OpenOptions } from '@protolab/core'
import { tcp } from '@protolab/tcp'
import { udp } from '@protolab/udp'
import type { LabTransportName } from '../types.js'

/** How a lab endpoint is opened: the transport's open options plus what the lab needs of it. */
export interface LabEndpointOptions extends OpenOptions {
  /** Payload bytes of each lab message. */
  readonly payloadBytes: number
  /** UDP: SO_RCVBUF to ask for. */
  readonly recvBufferBytes?: number | undefined
}

/** An endpoint of the lab; `recvBufferSize` is UDP's SO_RCVBUF once bound. */
export type LabEndpoint = Endpoint & { readonly recvBufferSize?: number | undefined }

/**
 * Frames of this size (or datagrams) are accepted on top of the lab's own messages, so a foreign
 * message somewhat larger than an envelope is counted as foreign rather than ending a connection.
 */
const FOREIGN_ALLOWANCE_BYTES = 64 * 1024

/**
 * Opens an endpoint for lab messages: UDP datagrams as they are (one datagram, one envelope, up to
 * the largest datagram so a longer one is seen whole and counted), or TCP with the `length` framing
 * (binary-safe; the envelope's own bytes may hold a newline).
 */
export function openLabEndpoint(
  transport: LabTransportName,
  options: LabEndpointOptions,
): Promise<LabEndpoint> {
  const { payloadBytes, recvBufferBytes, ...open } = options
  if (transport === 'udp') {
    return udp({
      maxMessageBytes: 65535,
      ...(recvBufferBytes === undefined ? {} : { recvBufferSize: recvBufferBytes }),
    }).open(open)
  }
  return tcp({
    framing: 'length',
    maxFrameBytes: ENVELOPE_HEADER_BYTES + payloadBytes + FOREIGN_ALLOWANCE_BYTES,
  }).open(open)
}
