import type { LabEndpoint, LabEndpointOptions } from '../../transports/lab-transport.js'
import { labTransport } from '../../transports/registry.js'
import type { LabTransportName } from '../types.js'

export type { LabEndpoint, LabEndpointOptions }

/** Opens an endpoint for lab messages over the transport called `transport` (see its descriptor). */
export function openLabEndpoint(
  transport: LabTransportName,
  options: LabEndpointOptions,
): Promise<LabEndpoint> {
  return labTransport(transport).open(options)
}
