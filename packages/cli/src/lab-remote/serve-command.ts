import {
  accessListOf,
  escapeControlCharacters,
  formatHostPort,
  parseHostPort,
  refusalLog,
} from '@protolab/core'
import { CONTROL_PROTOCOL, CONTROL_VERSION, DEFAULT_LAB_PORT, LabServer } from '@protolab/lab/remote'
import type { AccessFlags } from '../access/options.js'
import type { CliIO } from '../io.js'
import { writeLine } from '../io.js'
import { toJsonLine } from '../output/json-line.js'

/** What `protolab lab serve` was asked for. */
export interface ServeFlags extends AccessFlags {
  bind: string
  maxConnections: number
  idleTimeout: number
  json?: boolean
}

/**
 * `protolab lab serve`: listens for lab clients until Ctrl-C, saying on stderr where it listens and
 * what each session does.
 */
export async function runServeCommand(flags: ServeFlags, io: CliIO): Promise<void> {
  const bind = parseHostPort(flags.bind, { host: '127.0.0.1', port: DEFAULT_LAB_PORT })
  const server = await LabServer.start({
    bind: { host: bind.host, port: bind.port },
    maxConnections: flags.maxConnections,
    idleTimeoutMs: flags.idleTimeout * 1000,
    // A log line may quote what a client sent: shown with its control characters made visible.
    log: (line) => writeLine(io.stderr, `lab serve: ${escapeControlCharacters(line)}`),
    access: accessListOf(flags),
    onRefused: refusalLog((line) => writeLine(io.stderr, `lab serve: ${line}`)),
    ...(flags.json ? { onSession: (session) => writeLine(io.stdout, toJsonLine(session)) } : {}),
  })
  const { address, port } = server.address
  writeLine(
    io.stderr,
    `lab serve: listening on ${formatHostPort(address, port)} (${CONTROL_PROTOCOL} version ${CONTROL_VERSION}); Ctrl-C stops`,
  )
  if (!io.signal.aborted) {
    await new Promise<void>((resolve) => io.signal.addEventListener('abort', () => resolve(), { once: true }))
  }
  await server.close()
}
