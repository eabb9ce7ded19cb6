import { readFile } from 'node:fs/promises'
import {
  parseProcNet,
  SOCKET_PROTOS,
  type SocketEntry,
  type SocketFilter,
  selectSockets,
} from '@protolab/core'
import { CliError } from '../errors.js'
import type { CliIO } from '../io.js'
import { formatSocketTable } from './table.js'

/** What `protolab ports` was asked for. */
export interface PortsOptions extends SocketFilter {
  readonly json?: boolean
  /** Where the socket tables are; `/proc/net` on Linux. */
  readonly procNetDir?: string
}

/** Reads the socket tables of /proc/net and prints the selected sockets as a table or JSON. */
export async function runPorts(options: PortsOptions, io: CliIO): Promise<void> {
  const dir = options.procNetDir ?? '/proc/net'
  const entries: SocketEntry[] = []
  let tablesRead = 0
  for (const proto of SOCKET_PROTOS) {
    let text: string
    try {
      text = await readFile(`${dir}/${proto}`, 'utf8')
    } catch {
      continue // no IPv6 on this host, or no such table: nothing to show from it
    }
    tablesRead++
    entries.push(...parseProcNet(text, proto))
  }
  if (tablesRead === 0) {
    throw new CliError(`cannot read the socket tables in ${dir}`, {
      hint: "'protolab ports' reads Linux's /proc/net; elsewhere use 'netstat -an' or 'lsof -i'",
    })
  }
  const selected = selectSockets(entries, options)
  io.stdout.write(
    options.json ? `${JSON.stringify(selected, null, 2)}\n` : `${formatSocketTable(selected)}\n`,
  )
}
