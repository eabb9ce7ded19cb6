/** What the demo was asked for on its command line. */
export interface DemoArgs {
  /** Which transports to show: one, or both side by side. */
  readonly transports: readonly ('udp' | 'tcp')[]
  /** Where to write the HTML report; undefined = the default in the temp directory. */
  readonly report: string | undefined
  readonly help: boolean
}

/** The demo's usage text. */
export const USAGE = `usage: pnpm demo [--transport udp|tcp|both] [--report <file.html>]

A guided run of protolab: one GB2312 chat line over a real socket, then the same lab workload
through a lossy, reordering, delaying relay, measured over UDP and TCP side by side.
`

/** Thrown for a command line the demo does not understand. */
export class DemoUsageError extends Error {
  override name = 'DemoUsageError'
}

/**
 * Parses `--transport udp|tcp|both` (also `-t`, and `--transport=udp`) and `--report <file>`.
 * A lone `--` (what some package managers pass on) is ignored.
 * @throws DemoUsageError for anything else
 */
export function parseDemoArgs(argv: readonly string[]): DemoArgs {
  let transport = 'both'
  let report: string | undefined
  let help = false
  const args = argv.filter((arg) => arg !== '--')
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? ''
    const [flag, inline] =
      arg.startsWith('--') && arg.includes('=')
        ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]
        : [arg, undefined]
    const value = (): string => {
      const next = inline ?? args[++i]
      if (next === undefined) throw new DemoUsageError(`${flag} needs a value`)
      return next
    }
    if (flag === '--transport' || flag === '-t') transport = value()
    else if (flag === '--report') report = value()
    else if (flag === '--help' || flag === '-h') help = true
    else throw new DemoUsageError(`unknown argument ${JSON.stringify(arg)}`)
  }
  if (transport !== 'udp' && transport !== 'tcp' && transport !== 'both') {
    throw new DemoUsageError(`--transport is udp, tcp or both, not ${JSON.stringify(transport)}`)
  }
  return { transports: transport === 'both' ? ['udp', 'tcp'] : [transport], report, help }
}
