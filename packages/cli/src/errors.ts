import type { ErrorCode, ProtolabError } from '@protolab/core'
import { CommanderError } from 'commander'
import type { CliIO } from './io.js'

/** Thrown by a command that failed at run time; shown as `protolab: <message>` and an optional hint. */
export class CliError extends Error {
  override name = 'CliError'
  /** The process exit code: 1 for a failure at run time, 2 for bad usage. */
  readonly exitCode: 1 | 2
  /** One line telling the user what to try next. */
  readonly hint: string | undefined

  constructor(message: string, options: { exitCode?: 1 | 2; hint?: string; cause?: unknown } = {}) {
    super(message, { cause: options.cause })
    this.exitCode = options.exitCode ?? 1
    this.hint = options.hint
  }
}

/** Thrown when the command line itself is wrong (exit code 2). */
export class UsageError extends CliError {
  override name = 'UsageError'
  constructor(message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, { ...options, exitCode: 2 })
  }
}

/** The codes that mean the user asked for something impossible: bad usage, exit code 2. */
const USAGE_CODES: ReadonlySet<ErrorCode> = new Set([
  'ERR_INVALID_ADDRESS',
  'ERR_PORT_RANGE',
  'ERR_UNKNOWN_ENCODING',
  'ERR_INVALID_ARGUMENT',
])

/**
 * Prints `error` as one line `protolab: <what>` (plus a `hint:` line where one helps) on stderr
 * and resolves to the exit code: 2 for bad usage, 1 for a failure at run time. Never prints a
 * stack trace, except for an unexpected error when `PROTOLAB_DEBUG=1`. `usageHint` is the hint for
 * bad usage that has none of its own (`run 'protolab send --help' for usage`).
 *
 * A message can carry a peer's text (a lab server's `error` message), so message and hint are
 * printed with control characters made visible. That needs core, loaded here rather than
 * statically because this file is loaded by `protolab --help`; an error at run time comes from a
 * command that has loaded core already, so only bad usage pays for loading it.
 */
export async function reportError(error: unknown, io: CliIO, usageHint?: string): Promise<number> {
  const { message, hint: specificHint, exitCode } = describeError(error)
  const hint = specificHint ?? (exitCode === 2 ? usageHint : undefined)
  const { escapeControlCharacters } = await import('@protolab/core')
  io.stderr.write(`protolab: ${escapeControlCharacters(oneLine(message))}\n`)
  if (hint !== undefined) io.stderr.write(`hint: ${escapeControlCharacters(hint)}\n`)
  if (io.env.PROTOLAB_DEBUG === '1' && error instanceof Error && error.stack) {
    io.stderr.write(`${error.stack}\n`)
  }
  return exitCode
}

interface ErrorReport {
  readonly message: string
  readonly hint: string | undefined
  readonly exitCode: 1 | 2
}

function describeError(error: unknown): ErrorReport {
  if (error instanceof CliError) return { message: error.message, hint: error.hint, exitCode: error.exitCode }
  if (error instanceof CommanderError) return describeCommanderError(error)
  if (isProtolabErrorLike(error)) {
    return {
      message: error.message,
      hint: hintFor(error),
      exitCode: USAGE_CODES.has(error.code) ? 2 : 1,
    }
  }
  if (error instanceof Error) return { message: error.message, hint: undefined, exitCode: 1 }
  return { message: String(error), hint: undefined, exitCode: 1 }
}

/**
 * core's `isProtolabError`, by the brand every copy of core puts on its errors: this file is
 * loaded by `protolab --help`, which must not load core.
 */
function isProtolabErrorLike(error: unknown): error is ProtolabError {
  return (
    error instanceof Error &&
    (error as unknown as Record<symbol, unknown>)[Symbol.for('protolab.error')] === true
  )
}

/** Advice for a lab error by its reason (see @protolab/lab's LabErrorReason), then by its code. */
const PROXY_LINK =
  'use --link proxy (the default): the same experiment through a seeded relay, no privileges needed'
const LAB_HINTS: Readonly<Record<string, (detail: Readonly<Record<string, string>>) => string>> = {
  'child-entry-missing': () => "build protolab first ('pnpm build'), or run the lab with --in-process",
  'namespace-entry-missing': () => "build protolab first ('pnpm build')",
  'server-unreachable': (detail) =>
    `start one there with 'protolab lab serve --bind ${detail.where ?? '<host:port>'}'`,
  'capture-tool-missing': () =>
    "install tcpdump (apt-get install tcpdump) or Wireshark's dumpcap (apt-get install tshark), or leave out --capture",
  'capture-ip-missing': () => 'install iproute2 (apt-get install iproute2)',
  'capture-not-writing': () =>
    'check that the file can be written (capture programs may drop root privileges before writing)',
  'capture-denied': () => 'capturing needs root, or the capture program given cap_net_raw and cap_net_admin',
  'capture-exited': () => 'check the interface name (ip link) and the capture filter',
  'kernel-link-platform': () => PROXY_LINK,
  'kernel-link-root': () => `run it as root (sudo), or ${PROXY_LINK}`,
  'kernel-link-tools': () => `install iproute2 and nftables, or ${PROXY_LINK}`,
  'kernel-link-relay-only': () => 'drop --link kernel to run them through the seeded relay (--link proxy)',
  'kernel-link-reorder-delay': () => 'add e.g. --delay 10ms',
  'kernel-link-no-loss-tool': () => 'install nftables, or use --link proxy',
  'packet-link-unavailable': () => PROXY_LINK,
  'packet-link-failed': () => `${PROXY_LINK} (no namespaces); 'protolab lab cleanup' removes what a run left`,
  'kernel-link-no-netem': () =>
    "load it with 'modprobe sch_netem' if the kernel has the module, or use --link proxy, whose relay does all of them (loss and --rate-limit work on the kernel link without netem)",
}

/** Advice for a lab server's refusal (`RemoteLabRefusedError`'s `refusal`). */
const REFUSAL_HINTS: Readonly<Record<string, string>> = {
  busy: 'the server runs one session at a time: try again when it is done, or start another server on another port',
  version: 'run the same protolab version on both hosts',
}

/**
 * The hint for a library error: by the finer fields some errors carry (a lab error's `reason`, a
 * refusal, the flag of an access rule), then by its code. Read by shape, so any copy of the
 * libraries is understood.
 */
function hintFor(error: ProtolabError): string | undefined {
  const fields = error as ProtolabError & {
    reason?: unknown
    detail?: Readonly<Record<string, string>>
    refusal?: unknown
    flag?: unknown
    empty?: unknown
  }
  if (typeof fields.reason === 'string' && Object.hasOwn(LAB_HINTS, fields.reason)) {
    return LAB_HINTS[fields.reason]?.(fields.detail ?? {})
  }
  if (error.code === 'ERR_REFUSED' && typeof fields.refusal === 'string') {
    return Object.hasOwn(REFUSAL_HINTS, fields.refusal) ? REFUSAL_HINTS[fields.refusal] : undefined
  }
  if (error.name === 'AccessRuleError' && typeof fields.flag === 'string') {
    return fields.empty === true
      ? `give IP addresses or prefixes separated by commas, e.g. ${fields.flag} 10.0.0.0/8,::1`
      : `${fields.flag} takes IP addresses and prefixes (192.168.1.0/24, ::1), not host names`
  }
  switch (error.code) {
    case 'ERR_PORT_IN_USE': {
      const port = (error as { port?: unknown }).port
      const which = typeof port === 'number' ? `port ${port}` : 'the port'
      return `another socket holds ${which}; see which with 'protolab ports --listening', or pick another port (0 lets the OS choose)`
    }
    case 'ERR_UNKNOWN_ENCODING':
      return "'protolab encodings' lists the encodings that work"
    case 'ERR_PORT_RANGE':
      return 'a port is a whole number from 0 to 65535'
    case 'ERR_INVALID_ADDRESS':
      return 'write host:port, e.g. 127.0.0.1:8080 or [::1]:8080 (listen and --bind also take a port alone)'
    case 'ERR_ADDRESS_NOT_AVAILABLE':
      return 'bind an address this host has: 127.0.0.1, ::1, or 0.0.0.0 / :: for every interface'
    case 'ERR_PERMISSION_DENIED':
      return 'ports below 1024 need privileges (use one above 1023); broadcast needs --broadcast'
    case 'ERR_MESSAGE_TOO_LARGE':
      return 'a UDP datagram carries at most 65507 bytes over IPv4; send it with -t tcp, or split it with -f line'
    case 'ERR_PEER_UNREACHABLE':
      return "is anything listening there? start one with 'protolab listen <port> -t tcp'"
    case 'ERR_FRAME_TOO_LARGE':
      return 'raise the limit with --max-bytes'
    default:
      return undefined
  }
}

/** Commander's own errors (unknown option, missing argument, ...) are all bad usage. */
function describeCommanderError(error: CommanderError): ErrorReport {
  const [first = '', ...rest] = error.message.replace(/^error: /, '').split('\n')
  const suggestion = rest.join(' ').match(/^\((Did you mean .*)\)$/)
  return {
    message: first,
    hint: suggestion?.[1] ?? "run 'protolab --help' for usage",
    exitCode: 2,
  }
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim()
}
