import { ENVELOPE_HEADER_BYTES, type StreamImpairment } from '@protolab/core'
import { tcp, tcpProxy } from '@protolab/tcp'
import type { LabTransport } from './lab-transport.js'

/**
 * Frames of this size are accepted on top of the lab's own messages, so a foreign message
 * somewhat larger than an envelope is counted as foreign rather than ending a connection.
 */
const FOREIGN_ALLOWANCE_BYTES = 64 * 1024

/**
 * TCP in the lab: the `length` framing (binary-safe; an envelope's bytes may hold a newline);
 * relayed by @protolab/tcp's `tcpProxy`.
 */
export const tcpLabTransport: LabTransport = {
  name: 'tcp',
  semantics: tcp().semantics,
  relayDirection: 'forward',
  impairment: 'stream',
  open({ payloadBytes, recvBufferBytes: _recvBufferBytes, ...open }) {
    return tcp({
      framing: 'length',
      maxFrameBytes: ENVELOPE_HEADER_BYTES + payloadBytes + FOREIGN_ALLOWANCE_BYTES,
    }).open(open)
  },
  relay({ impairment, socketBufferBytes: _socketBufferBytes, ...init }) {
    return tcpProxy({ ...init, impairment: impairment as StreamImpairment })
  },
  // The kernel's numbers (ss -ti) are read where the kernel carries the loss (the kernel and
  // remote links); on loopback through the relay, the retransmissions are modelled, not sent.
  wireCounts: () => ({}),
  // The relay's own hold covers the modelled recovery (see drain's quietTimeMs).
  recoveryQuietMs: () => 0,
}
