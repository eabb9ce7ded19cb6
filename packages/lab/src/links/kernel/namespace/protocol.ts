import type { LabInterval, SocketAddress } from '@protolab/core'
import type { RemoteLabOptions } from '../../../remote/client.js'
import type { FlowDirection } from '../../../remote/protocol.js'
import type { LabProgress, LabTransportName } from '../../../runner/types.js'

/**
 * What the kernel link asks of a process it starts inside one of its namespaces (the lab
 * package's `lab-namespace` entry), as one JSON document on its stdin: `serve`, a lab server on
 * `bind` until SIGTERM; `run`, a lab client's sessions against `options.server`, whose report is
 * written to `resultsFile` (V8's serialization, typed arrays and all).
 */
export type NamespaceRequest =
  | { readonly kind: 'serve'; readonly bind: { readonly host: string; readonly port: number } }
  | { readonly kind: 'run'; readonly options: RemoteLabOptions; readonly resultsFile: string }

/**
 * What the process says back, one JSON line each on its stdout: `listening` (serve), `progress`
 * and `interval` (run, with `intervalMs`: each interval as it closes), `done` (run: the results
 * file is written), `failed` (either, just before it exits 1).
 */
export type NamespaceEvent =
  | { readonly type: 'listening'; readonly address: SocketAddress }
  | { readonly type: 'progress'; readonly progress: LabProgress }
  | {
      readonly type: 'interval'
      readonly transport: LabTransportName
      readonly interval: LabInterval
      readonly direction: FlowDirection
    }
  | { readonly type: 'done' }
  | { readonly type: 'failed'; readonly message: string; readonly code: string | undefined }

const EVENT_TYPES = new Set(['listening', 'progress', 'interval', 'done', 'failed'])

/** One stdout line read back as a {@link NamespaceEvent}; undefined for anything else. */
export function parseNamespaceEvent(line: string): NamespaceEvent | undefined {
  if (!line.startsWith('{')) return undefined
  try {
    const value = JSON.parse(line) as { type?: unknown } | null
    return typeof value === 'object' && value !== null && EVENT_TYPES.has(value.type as string)
      ? (value as NamespaceEvent)
      : undefined
  } catch {
    return undefined
  }
}

/**
 * The request read from stdin.
 * @throws Error when the text is no request (the process then says `failed` and exits 1)
 */
export function parseNamespaceRequest(text: string): NamespaceRequest {
  const value = JSON.parse(text) as Partial<NamespaceRequest> | null
  if (typeof value !== 'object' || value === null) throw new Error('the request is not an object')
  if (value.kind === 'serve' && typeof value.bind?.host === 'string' && typeof value.bind.port === 'number') {
    return value as NamespaceRequest
  }
  if (value.kind === 'run' && typeof value.resultsFile === 'string' && typeof value.options === 'object') {
    return value as NamespaceRequest
  }
  throw new Error(`not a lab-namespace request: ${text.slice(0, 200)}`)
}
