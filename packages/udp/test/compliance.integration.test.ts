import { transportCompliance } from '@protolab/core/compliance'
import { canBindDatagram, udp } from '@protolab/udp'

const ipv6 = await canBindDatagram('::1')
if (!ipv6) console.warn('udp compliance: skipping ::1, this host has no IPv6 loopback')

transportCompliance({
  name: 'udp',
  create: () => udp(),
  hosts: ipv6 ? ['127.0.0.1', '::1'] : ['127.0.0.1'],
})
