import { execFile, execFileSync } from 'node:child_process'
import { accessSync, constants } from 'node:fs'
import { delimiter, join } from 'node:path'
import { ProtolabError } from '@protolab/core'

/** How long one `ip`, `tc` or `nft` call may take. */
const TOOL_TIMEOUT_MS = 10_000

/** Thrown (code `ERR_PROCESS_FAILED`) when a system tool the kernel link runs (`ip`, `tc`, `nft`, `iptables`) fails. */
export class KernelLinkError extends ProtolabError {
  override name = 'KernelLinkError'
  /** What the tool printed on stderr. */
  readonly stderr: string

  constructor(message: string, options: { stderr?: string; cause?: unknown } = {}) {
    super('ERR_PROCESS_FAILED', message, { cause: options.cause })
    this.stderr = options.stderr ?? ''
  }
}

/**
 * Runs a system tool and resolves to what it printed on stdout; `input` goes to its stdin.
 * @throws KernelLinkError naming the command and the first line of its complaint
 */
export function runTool(command: string, args: readonly string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      command,
      args,
      { timeout: TOOL_TIMEOUT_MS, encoding: 'utf8' },
      (error, stdout, stderr) => {
        if (error === null) {
          resolve(stdout)
          return
        }
        const complaint = firstLine(stderr) || error.message
        reject(
          new KernelLinkError(`'${[command, ...args].join(' ')}' failed: ${complaint}`, {
            stderr,
            cause: error,
          }),
        )
      },
    )
    if (input !== undefined) child.stdin?.end(input)
  })
}

/**
 * {@link runTool}, blocking: only for cleanup while the process exits, when nothing async runs any
 * more. Resolves to stdout, or undefined when the tool failed.
 */
export function runToolSync(command: string, args: readonly string[]): string | undefined {
  try {
    return execFileSync(command, args, {
      timeout: TOOL_TIMEOUT_MS,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    })
  } catch {
    return undefined
  }
}

/** True when an executable `name` is on `path` (a PATH value). */
export function hasTool(name: string, path: string): boolean {
  return path.split(delimiter).some((directory) => {
    if (directory === '') return false
    try {
      accessSync(join(directory, name), constants.X_OK)
      return true
    } catch {
      return false
    }
  })
}

/** `path` with the system directories added: root's tools live in sbin, which a user's PATH may lack. */
export function withSystemDirectories(path: string): string {
  return [path, '/usr/sbin', '/sbin'].filter((part) => part !== '').join(delimiter)
}

function firstLine(text: string): string {
  return (
    text
      .split('\n')
      .find((line) => line.trim() !== '')
      ?.trim() ?? ''
  )
}
