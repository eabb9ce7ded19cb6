import { transportCompliance } from '@protolab/core/compliance'
import { tcp } from '@protolab/tcp'
import { hasIPv6Loopback } from './helpers/hosts.js'

const hosts = ['127.0.0.1']
if (await hasIPv6Loopback()) hosts.push('::1')
else console.warn('tcp compliance: ::1 is not available on this machine; running on 127.0.0.1 only')

transportCompliance({ name: 'tcp (line framing)', create: () => tcp(), hosts })
transportCompliance({ name: 'tcp (length framing)', create: () => tcp({ framing: 'length' }), hosts })
