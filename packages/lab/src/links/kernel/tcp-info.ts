import { execFile } from 'node:child_process'
import type { SocketAddress } from '@protolab/core'

/**
 * What the kernel knows about one TCP connection, as `ss -ti` prints it from TCP_INFO: the
 * numbers that show real retransmission and congestion control at work.
 */
export interface TcpConnectionInfo {
  /** Segments retransmitted over the connection's life (the second number of `retrans:a/b`; 0 when ss shows none). */
  readonly retransmits: number
  /** Smoothed round-trip time in ms (`rtt:srtt/rttvar`). */
  readonly rttMs: number
  /** Round-trip time variation in ms. */
  readonly rttVarMs: number
  /** Congestion window in segments (`cwnd:n`). */
  readonly cwnd: number
  /** The congestion control algorithm (`cubic`, `bbr`, ...), when ss names it. */
  readonly congestionControl: string | undefined
  /** Bytes retransmitted (`bytes_retrans:n`; 0 when ss shows none). */
  readonly bytesRetransmitted: number
  /** Bytes sent, retransmissions included (`bytes_sent:n`, Linux 4.19 and later); undefined when ss shows none. */
  readonly bytesSent?: number | undefined
  /** Segments sent and not yet acknowledged (`unacked:n`; 0 when ss shows none). */
  readonly unacked?: number
}

/** How long `ss` may take before the numbers are given up on. */
const SS_TIMEOUT_MS = 3000

/** Flags ss prints before the congestion control name (`ts sack ecn cubic wscale:7,7 ...`). */
const SOCKET_OPTION_WORDS = new Set(['ts', 'sack', 'ecn', 'ecnseen', 'fastopen'])

/**
 * Parses the info line(s) of `ss -tin` for one connection (the indented line after the socket's
 * line; the socket line may be included). Undefined when the text holds no `rtt:` and `cwnd:`,
 * e.g. when the connection was already gone.
 */
export function parseSsTcpInfo(text: string): TcpConnectionInfo | undefined {
  // The info line is indented under the socket's line; without one, the text is the info line.
  const lines = text.split('\n')
  const infoLine = lines.find((line) => /^\s/.test(line) && line.trim() !== '') ?? text
  const tokens = infoLine.trim().split(/\s+/)
  const fields = new Map<string, string>()
  for (const token of tokens) {
    const colon = token.indexOf(':')
    // Socket addresses (10.0.0.1:5201, [::1]:80) also hold colons, but their keys are not names.
    if (colon <= 0 || !/^[a-z_]+$/.test(token.slice(0, colon))) continue
    fields.set(token.slice(0, colon), token.slice(colon + 1))
  }
  const leading = tokens.slice(
    0,
    Math.max(
      0,
      tokens.findIndex((token) => token.includes(':')),
    ),
  )
  const congestionControl = leading.filter((word) => !SOCKET_OPTION_WORDS.has(word)).at(-1)
  const rtt = /^(\d+(?:\.\d+)?)\/(\d+(?:\.\d+)?)$/.exec(fields.get('rtt') ?? '')
  const cwnd = /^\d+$/.exec(fields.get('cwnd') ?? '')
  if (rtt === null || cwnd === null) return undefined
  const retrans = /^(\d+)\/(\d+)$/.exec(fields.get('retrans') ?? '')
  const bytesRetrans = /^\d+$/.exec(fields.get('bytes_retrans') ?? '')
  const bytesSent = /^\d+$/.exec(fields.get('bytes_sent') ?? '')
  const unacked = /^\d+$/.exec(fields.get('unacked') ?? '')
  return {
    retransmits: retrans === null ? 0 : Number(retrans[2]),
    rttMs: Number(rtt[1]),
    rttVarMs: Number(rtt[2]),
    cwnd: Number(cwnd[0]),
    congestionControl,
    bytesRetransmitted: bytesRetrans === null ? 0 : Number(bytesRetrans[0]),
    ...(bytesSent === null ? {} : { bytesSent: Number(bytesSent[0]) }),
    ...(unacked === null ? {} : { unacked: Number(unacked[0]) }),
  }
}

/**
 * The kernel's TCP_INFO for the established connection from `local` to `remote`, read with
 * `ss -tin` in this process's network namespace. Undefined when ss is missing, fails, or does not
 * find the connection (on a system without iproute2, the run simply has no such numbers).
 */
export async function readTcpInfo(
  local: SocketAddress,
  remote: SocketAddress,
): Promise<TcpConnectionInfo | undefined> {
  const args = ['-tinH', 'state', 'established', 'src', ssAddress(local), 'dst', ssAddress(remote)]
  const output = await new Promise<string | undefined>((resolve) => {
    execFile('ss', args, { timeout: SS_TIMEOUT_MS }, (error, stdout) => resolve(error ? undefined : stdout))
  })
  return output === undefined ? undefined : parseSsTcpInfo(output)
}

/** An address as ss's filter takes it: `10.0.0.1:5201` or `[::1]:5201`; v4-mapped v6 as plain v4. */
function ssAddress({ address, port }: SocketAddress): string {
  const plain = address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address
  return plain.includes(':') ? `[${plain}]:${port}` : `${plain}:${port}`
}
