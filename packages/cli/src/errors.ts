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
 * Matches by shape rather than `instanceof`, so an error from a second copy of core (the library
 * entry and a bundled transport) is still recognised.
 */
function isProtolabErrorLike(error: unknown): error is ProtolabError {
  return (
    error instanceof Error &&
    typeof (error as { code?: unknown }).code === 'string' &&
    /^ERR_[A-Z_]+$/.test((error as ProtolabError).code)
  )
}

function hintFor(error: ProtolabError): string | undefined {
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
