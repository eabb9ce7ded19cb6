import { openWithin } from '@protolab/core'
import { tcp } from './transport.js'

/** What {@link probeTcpPorts} is given: which ports of which host, and how long to wait for each. */
export interface ProbeTcpPortsOptions {
  /** An IP address (no name is resolved here). */
  readonly address: string
  /** The ports to try, in order. */
  readonly ports: Iterable<number>
  /** How long a connection may take before the port counts as closed (TimeoutError); no limit when absent. */
  readonly timeoutMs?: number
  /** Stops probing (the ports not tried yet are left out). */
  readonly signal?: AbortSignal
  /** Told of each port as it is found: `error` says why a closed one is closed. */
  readonly onPort?: (port: number, open: boolean, error?: Error) => void
}

/**
 * Which of `ports` accept a TCP connection (nc's `-z`): connects to each in turn and closes at
 * once, sending nothing. Resolves with the open ports, in the order tried.
 */
export async function probeTcpPorts(options: ProbeTcpPortsOptions): Promise<number[]> {
  const transport = tcp()
  const open: number[] = []
  for (const port of options.ports) {
    if (options.signal?.aborted) break
    try {
      const endpoint = await openWithin(options.timeoutMs, options.signal, (signal) =>
        transport.open({ peer: { address: options.address, port }, ...(signal ? { signal } : {}) }),
      )
      await endpoint.close()
      open.push(port)
      options.onPort?.(port, true)
    } catch (error) {
      options.onPort?.(port, false, error instanceof Error ? error : new Error(String(error)))
    }
  }
  return open
}
