import { type DatagramImpairment, ENVELOPE_HEADER_BYTES } from '@protolab/core'
import { udp, udpProxy } from '@protolab/udp'
import { udpSocketDrops } from '../counters/udp-counters.js'
import type { LabTransport } from './lab-transport.js'

/**
 * UDP in the lab: datagrams as they are (one datagram, one envelope), read up to the largest
 * datagram so a longer one is seen whole and counted; relayed by @protolab/udp's `udpProxy`.
 */
export const udpLabTransport: LabTransport = {
  name: 'udp',
  semantics: udp().semantics,
  relayDirection: 'forward',
  impairment: 'datagram',
  open({ payloadBytes: _payloadBytes, recvBufferBytes, ...open }) {
    return udp({
      maxMessageBytes: 65535,
      ...(recvBufferBytes === undefined ? {} : { recvBufferSize: recvBufferBytes }),
    }).open(open)
  },
  relay({ impairment, socketBufferBytes, ...init }) {
    return udpProxy({
      ...init,
      impairment: impairment as DatagramImpairment,
      ...(socketBufferBytes === undefined ? {} : { socketBufferBytes }),
    })
  },
  // One datagram per message, sent once: the envelope and its payload.
  wireCounts: (_endpoint, sent, payloadBytes) => ({
    wireBytes: sent * (ENVELOPE_HEADER_BYTES + payloadBytes),
  }),
  recoveryQuietMs: () => 0,
  socketDrops: (address) => udpSocketDrops(address.address, address.port),
}
