import type { DatagramImpairment } from '@protolab/core'
import { type KcpEndpoint, kcp } from '@protolab/kcp'
import { udpProxy } from '@protolab/udp'
import type { LabTransport } from './lab-transport.js'

/**
 * How long a KCP run may go quiet while a message is retransmitted again and again: KCP's RTO is at
 * least 100 ms (the `fast` preset), doubling at each timeout, so a message lost four times in a row
 * at 5% loss (one in 160,000) is still waited for.
 */
const KCP_RECOVERY_QUIET_MS = 3000

/**
 * KCP in the lab: @protolab/kcp's `fast` preset (kcptun's default mode), one message per KCP
 * message. Its relay is the UDP relay, impairing KCP's datagrams both ways: its ACKs cross the same
 * path as its data, so the round trip it measures holds the delay twice (as TCP's modelled
 * recovery assumes), and its retransmissions, made in user space, are real.
 */
export const kcpLabTransport: LabTransport = {
  name: 'kcp',
  semantics: kcp().semantics,
  relayDirection: 'both',
  impairment: 'datagram',
  open({ payloadBytes: _payloadBytes, recvBufferBytes: _recvBufferBytes, ...open }) {
    return kcp().open(open)
  },
  relay({ impairment, socketBufferBytes, ...init }) {
    return udpProxy({
      ...init,
      impairment: impairment as DatagramImpairment,
      direction: kcpLabTransport.relayDirection,
      ...(socketBufferBytes === undefined ? {} : { socketBufferBytes }),
    })
  },
  wireCounts(endpoint) {
    const stats = (endpoint as KcpEndpoint).stats()
    return { wireBytes: stats.bytesOut, retransmits: stats.retransmits }
  },
  recoveryQuietMs: () => KCP_RECOVERY_QUIET_MS,
}
