import { hostname, type as osType, version as osVersion, release } from 'node:os'
import packageJson from '../../package.json' with { type: 'json' }
import type { LabRun } from '../runner/types.js'
import { escapeXml } from './plot/axes.js'

/** What produced a report: the exact command, protolab's version, the machine. */
export interface ReportEnvironment {
  /** The command line as typed: `protolab lab -t both --loss 5% --report r.html`. */
  readonly commandLine: string
  readonly version: string
  readonly host: string
  /** `Linux 6.1.0-18-amd64 (#1 SMP Debian ...)`. */
  readonly os: string
  /** The kernel release, `6.1.0-18-amd64`. */
  readonly kernel: string
}

/** This process's environment, with `argv` (without node and the script) as the command. */
export function thisEnvironment(
  argv: readonly string[] = process.argv.slice(2),
  version: string = packageJson.version,
): ReportEnvironment {
  return {
    commandLine: ['protolab', ...argv.map(quoteArgument)].join(' '),
    version,
    host: hostname(),
    os: `${osType()} ${release()} (${osVersion()})`,
    kernel: release(),
  }
}

/** The report's header block: command, version, host, OS and kernel, the link and the seed. */
export function environmentHtml(
  environment: ReportEnvironment,
  runs: readonly Pick<LabRun, 'link' | 'seed'>[],
): string {
  const links = [...new Set(runs.map((run) => run.link ?? 'proxy'))].join(', ')
  const seeds = [...new Set(runs.map((run) => run.seed))].join(', ')
  const rows: [string, string][] = [
    ['command', environment.commandLine],
    ['protolab', environment.version],
    ['host', environment.host],
    ['OS', environment.os],
    ['kernel', environment.kernel],
    ['link', links],
    ['seed', seeds],
  ]
  return `<dl class="env">${rows.map(([name, value]) => `<dt>${name}</dt><dd><code>${escapeXml(value)}</code></dd>`).join('')}</dl>`
}

function quoteArgument(argument: string): string {
  return /^[\w@%+=:,./-]+$/.test(argument) ? argument : `'${argument.replace(/'/g, "'\\''")}'`
}
