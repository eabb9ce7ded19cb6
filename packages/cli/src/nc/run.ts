import {
  type Destination,
  type Endpoint,
  escapeControlCharacters,
  formatHostPort,
  normalizeEncoding,
  openWithin,
  type SocketAddress,
} from '@protolab/core'
import { IncomingText, outgoingMessages, runTwoWay, type TwoWayPeerEvent } from '@protolab/core/session'
import { CliError, UsageError } from '../errors.js'
import { type CliIO, writeAndDrain } from '../io.js'
import { formatAddress, ipVersionOf, parseDestination, parseLocalAddress } from '../options/address.js'
import type { OutputFormat } from '../options/output.js'
import { createTransport } from '../session/transport.js'

/** What `protolab nc` was asked for, by nc's flags. */
export interface NcOptions {
  readonly host?: string
  readonly port?: string
  readonly udp?: boolean
  readonly listen?: boolean
  /** `-p`: the local port (listening: where; connecting: where from). */
  readonly sourcePort?: number
  readonly keep?: boolean
  readonly verbose?: boolean
  readonly wait?: number
  readonly shutdown?: boolean
  readonly ipv4?: boolean
  readonly ipv6?: boolean
  readonly scan?: boolean
  /** Undefined unless `-e` was given: then input and output are text in this encoding. */
  readonly encoding?: string
  readonly output?: OutputFormat
  readonly raw?: boolean
}

/** Most peers a `-k` listener serves at once, as `listen`'s default. */
const KEEP_LISTENING_MAX_PEERS = 100

/**
 * `protolab nc`: nc's flags mapped onto protolab's sessions. Connects to `host port`, or listens
 * with `-l`, then runs core's two-way session between stdin/stdout and the peer; with `-z` only
 * checks ports.
 */
export async function runNc(options: NcOptions, io: CliIO): Promise<void> {
  const version = ipVersionOf(options)
  const transportName = options.udp ? 'udp' : 'tcp'
  if (options.scan) {
    await checkPorts(options, io)
    return
  }
  if (!options.listen && options.keep) throw new UsageError('-k keeps listening: it needs -l')
  const encoding = normalizeEncoding(options.encoding ?? 'utf-8')
  const output = options.output ?? (options.encoding !== undefined || io.isTTY.stdout ? 'text' : 'bytes')
  const transport = await createTransport(transportName, {
    framing: 'raw',
    ...(options.listen ? { maxConnections: options.keep ? KEEP_LISTENING_MAX_PEERS : 1 } : {}),
  })
  let endpoint: Endpoint
  if (options.listen) {
    const where = listenAddress(options)
    const local = await parseLocalAddress(where, version)
    endpoint = await transport.open({ bind: local, listen: true, signal: io.signal })
    if (options.verbose) {
      io.stderr.write(
        `listening on ${formatAddress(endpoint.localAddress ?? { address: local.host, port: local.port })} (${transportName})\n`,
      )
    }
  } else {
    const peer = await destinationOf(options, version)
    const bind =
      options.sourcePort === undefined
        ? undefined
        : await parseLocalAddress(
            `${peer.address.includes(':') ? '[::]' : '0.0.0.0'}:${options.sourcePort}`,
            version,
          )
    endpoint = await openWithin(
      options.wait === undefined ? undefined : options.wait * 1000,
      io.signal,
      (signal) =>
        transport.open({ peer, ...(bind === undefined ? {} : { bind }), signal: signal ?? io.signal }),
    ).catch((error: unknown) => {
      throw connectFailure(error, peer, transportName, options.wait)
    })
    if (options.verbose) {
      const from = endpoint.localAddress === undefined ? '' : ` from ${formatAddress(endpoint.localAddress)}`
      io.stderr.write(`${isUdpWord(transportName)} ${formatAddress(peer)} (${transportName})${from}\n`)
    }
  }
  const visible = output === 'text' && io.isTTY.stdout && !options.raw
  const write = outputWriter(encoding, output, visible, endpoint.semantics.connectionOriented, io)
  try {
    await runTwoWay(endpoint, {
      listening: options.listen === true,
      framing: 'raw',
      halfClose: options.shutdown === true,
      ...(options.wait === undefined ? {} : { idleMs: options.wait * 1000 }),
      keepListening: options.keep === true,
      signal: io.signal,
      input: (signal) =>
        outgoingMessages({
          text: [],
          stdin: io.stdin,
          framing: 'raw',
          encoding,
          wholeInput: false,
          signal,
          onLossyText: (text) =>
            io.stderr.write(
              `warning: ${encoding} cannot represent all of '${escapeControlCharacters(text)}'; sent with substitutes\n`,
            ),
        }),
      onMessage: write,
      onPeer: (event) => {
        if (options.verbose && (options.listen || event.kind !== 'connect'))
          io.stderr.write(`${describePeerEvent(event)}\n`)
      },
    })
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error)
    throw new CliError(`connection failed: ${reason}`, { cause: error })
  }
}

/** `-v`'s line for a peer that came or went. */
function describePeerEvent(event: TwoWayPeerEvent): string {
  const name = `[${formatHostPort(event.peer.address, event.peer.port)}]`
  if (event.kind === 'connect') return `${name} connected`
  if (event.kind === 'unreachable') return `${name} unreachable: ${event.error?.message ?? 'no reason given'}`
  return `${name} disconnected${event.error === undefined ? '' : `: ${event.error.message}`}`
}

/** What is written to stdout for each payload: the bytes, or their text decoded (made visible on a terminal when `visible`). */
function outputWriter(
  encoding: string,
  output: OutputFormat,
  visible: boolean,
  stream: boolean,
  io: CliIO,
): (payload: Uint8Array, from: SocketAddress) => Promise<void> {
  if (output === 'bytes') return (payload) => writeAndDrain(io.stdout, payload)
  // Raw chunks of a stream are cut anywhere: there each peer's text is decoded as one stream.
  const text = new IncomingText(encoding, { streaming: stream })
  return (payload, from) => {
    const decoded = text.decode(from, payload)
    return writeAndDrain(io.stdout, visible ? escapeKeepingLineEnds(decoded) : decoded)
  }
}

/** Control characters made visible, except the line ends (`\n`, `\r\n`) and tabs a terminal shows as such. */
function escapeKeepingLineEnds(text: string): string {
  return text
    .split(/(\r?\n|\t)/)
    .map((part, index) => (index % 2 === 1 ? part : escapeControlCharacters(part)))
    .join('')
}

function isUdpWord(transport: 'udp' | 'tcp'): string {
  return transport === 'udp' ? 'sending to' : 'connected to'
}

/** `nc -l port`, `nc -l host port`, `nc -l -p port` (host: loopback unless given). */
function listenAddress(options: NcOptions): string {
  const positional = [options.host, options.port].filter((part): part is string => part !== undefined)
  const port = options.sourcePort === undefined ? positional.pop() : String(options.sourcePort)
  const host = positional.pop()
  if (port === undefined) throw new UsageError('-l needs a port: protolab nc -l 9000 (or -l -p 9000)')
  if (positional.length > 0) throw new UsageError('-l takes at most a host and a port')
  return host === undefined ? port : `${bracketed(host)}:${port}`
}

async function destinationOf(options: NcOptions, version: 4 | 6 | undefined): Promise<Destination> {
  if (options.host === undefined || options.port === undefined) {
    throw new UsageError('nc needs a host and a port: protolab nc 127.0.0.1 9000 (or -l to listen)')
  }
  return parseDestination(`${bracketed(options.host)}:${options.port}`, version)
}

/** A host as it goes before `:port`: an IPv6 address in brackets. */
function bracketed(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host
}

/** Why a connection failed, as one line: `-w`'s limit, or the transport's reason. */
function failureReason(error: unknown, wait: number | undefined): string {
  if ((error as { code?: unknown } | undefined)?.code === 'ERR_TIMEOUT')
    return `no answer within ${wait} s (-w)`
  return error instanceof Error ? error.message : String(error)
}

function connectFailure(
  error: unknown,
  peer: Destination,
  transport: string,
  wait: number | undefined,
): unknown {
  const code = (error as { code?: unknown } | undefined)?.code
  if (error instanceof CliError || code === 'ERR_ABORTED') return error
  if (code === 'ERR_TIMEOUT') return new CliError(failureReason(error, wait))
  const reason = failureReason(error, wait)
  return new CliError(`connect to ${formatAddress(peer)} (${transport}) failed: ${reason}`, { cause: error })
}

/**
 * `-z`: connects to each port of `port` (`9000` or `9000-9010`) and closes at once; says which are
 * open with `-v`. Exit 0 when at least one is open, 1 when none is, as nc's `-z`.
 */
async function checkPorts(options: NcOptions, io: CliIO): Promise<void> {
  if (options.udp) {
    throw new UsageError('-z checks TCP ports: UDP has no handshake that says a port is open')
  }
  if (options.listen) throw new UsageError('-z connects: drop -l')
  if (options.host === undefined || options.port === undefined) {
    throw new UsageError('-z needs a host and a port or range: protolab nc -z 127.0.0.1 9000-9010')
  }
  const version = ipVersionOf(options)
  const range = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(options.port)
  const first = Number(range?.[1])
  const last = range?.[2] === undefined ? first : Number(range[2])
  if (range === null || first < 1 || last > 65_535 || last < first) {
    throw new UsageError(`-z takes a port or a range of ports from 1 to 65535, not '${options.port}'`)
  }
  const peer = await destinationOf({ ...options, port: String(first) }, version)
  const { probeTcpPorts } = await import('@protolab/tcp')
  const open = await probeTcpPorts({
    address: peer.address,
    ports: Array.from({ length: last - first + 1 }, (_, index) => first + index),
    ...(options.wait === undefined ? {} : { timeoutMs: options.wait * 1000 }),
    signal: io.signal,
    onPort: (port, isOpen, error) => {
      if (!options.verbose) return
      const where = `${formatAddress({ address: peer.address, port })} (tcp)`
      io.stderr.write(
        isOpen ? `${where} is open\n` : `${where} is closed: ${failureReason(error, options.wait)}\n`,
      )
    },
  })
  if (open.length === 0) {
    const which = first === last ? `port ${first}` : `ports ${first}-${last}`
    throw new CliError(`${options.host} ${which} (tcp): closed`)
  }
}
