import { formatHostPort, type SocketEntry } from '@protolab/core'

const HEADER = ['Proto', 'Local Address', 'Foreign Address', 'State', 'Service'] as const

/**
 * Renders sockets as `netstat -an` does: one socket a line, a foreign address without a peer
 * written `0.0.0.0:*` / `[::]:*`, columns padded to their widest cell, plus the service name.
 */
export function formatSocketTable(entries: readonly SocketEntry[]): string {
  const rows: string[][] = [
    [...HEADER],
    ...entries.map((entry) => [
      entry.proto,
      formatHostPort(entry.localAddress, entry.localPort),
      entry.remotePort === 0
        ? formatWildcardPort(entry.remoteAddress)
        : formatHostPort(entry.remoteAddress, entry.remotePort),
      entry.state,
      entry.service ?? '',
    ]),
  ]
  const widths = HEADER.map((_, column) => Math.max(...rows.map((row) => row[column]?.length ?? 0)))
  return rows
    .map((row) =>
      row
        .map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')
}

function formatWildcardPort(address: string): string {
  return address.includes(':') ? `[${address}]:*` : `${address}:*`
}
