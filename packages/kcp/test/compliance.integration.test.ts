import { transportCompliance } from '@protolab/core/compliance'
import { kcp } from '@protolab/kcp'
import { canBindDatagram } from '@protolab/udp'

const ipv6 = await canBindDatagram('::1')
if (!ipv6) console.warn('kcp compliance: skipping ::1, this host has no IPv6 loopback')

transportCompliance({
  name: 'kcp',
  create: () => kcp(),
  hosts: ipv6 ? ['127.0.0.1', '::1'] : ['127.0.0.1'],
})
