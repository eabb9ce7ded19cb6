export { MEMORY_SEMANTICS, memoryTransport } from '../memory/memory-transport.js'
export {
  DEFAULT_COMPLIANCE_HOSTS,
  type TransportComplianceOptions,
  transportCompliance,
} from './transport-compliance.js'
