import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { LabError } from '../../errors.js'
import { KernelLink } from './link.js'

/** How a protolab process inside a namespace ended. */
export interface Exit {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
}

/** How long a process gets to stop after SIGTERM before it is killed. */
const STOP_TIMEOUT_MS = 3000

/**
 * A protolab command running inside a network namespace (`ip netns exec <ns> node bin.js ...`):
 * its stdout is read line by line, its stderr kept for error messages.
 */
export class NamespacedProcess {
  private stderrText = ''
  private exitInfo: Exit | undefined
  /** Resolves when the process has exited. */
  readonly exited: Promise<Exit>

  private constructor(
    private readonly child: ChildProcess,
    /** What runs, for messages: `the lab server in plab-123-1-b`. */
    readonly description: string,
    onStdoutLine: ((line: string) => void) | undefined,
  ) {
    this.exited = new Promise((resolve) => {
      child.once('close', (code, signal) => {
        this.exitInfo = { code, signal }
        resolve(this.exitInfo)
      })
    })
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      // Enough to say why it failed; a long run's stderr is not kept whole.
      this.stderrText = (this.stderrText + chunk).slice(-16_384)
    })
    let pending = ''
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      pending += chunk
      const lines = pending.split('\n')
      pending = lines.pop() ?? ''
      for (const line of lines) onStdoutLine?.(line)
    })
    child.on('error', () => {})
  }

  /** Starts `protolab <args>` in `namespace`. */
  static start(
    namespace: string,
    args: readonly string[],
    description: string,
    onStdoutLine?: (line: string) => void,
  ): NamespacedProcess {
    const [command, commandArgs] = KernelLink.commandIn(namespace, process.execPath, [cliEntry(), ...args])
    const child = spawn(command, commandArgs, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1' },
    })
    return new NamespacedProcess(child, description, onStdoutLine)
  }

  get pid(): number | undefined {
    return this.child.pid
  }

  /** What it printed on stderr (the last 16 KiB). */
  get stderr(): string {
    return this.stderrText
  }

  /** Its one-line complaint (`protolab: ...`), or the end of its stderr. */
  get complaint(): string {
    const lines = this.stderrText.split('\n').filter((line) => line.trim() !== '')
    const error = lines.filter((line) => line.startsWith('protolab: ')).at(-1)
    return error?.slice('protolab: '.length) ?? lines.at(-1) ?? 'no message'
  }

  /** Resolves with the first stderr line matching `pattern`; rejects when the process exits first or after `timeoutMs`. */
  waitForStderr(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const match = this.stderrText.match(pattern)
        if (match !== null) finish(() => resolve(match))
      }
      const timer = setTimeout(
        () =>
          finish(() =>
            reject(
              new LabError(
                'ERR_TIMEOUT',
                `${this.description} did not start within ${timeoutMs / 1000} s: ${this.complaint}`,
              ),
            ),
          ),
        timeoutMs,
      )
      const onExit = (): void =>
        finish(() =>
          reject(
            new LabError(
              'ERR_PROCESS_FAILED',
              `${this.description} exited before it was ready: ${this.complaint}`,
            ),
          ),
        )
      const finish = (settle: () => void): void => {
        clearTimeout(timer)
        this.child.stderr?.off('data', check)
        this.child.off('close', onExit)
        settle()
      }
      this.child.stderr?.on('data', check)
      this.child.once('close', onExit)
      check()
    })
  }

  /** Sends `signal` (the process may exit with it). */
  kill(signal: NodeJS.Signals): void {
    if (this.exitInfo === undefined) this.child.kill(signal)
  }

  /** Stops it: SIGTERM, then SIGKILL if it has not exited after a while. */
  async stop(): Promise<void> {
    if (this.exitInfo !== undefined) return
    this.child.kill('SIGTERM')
    const timer = setTimeout(() => this.child.kill('SIGKILL'), STOP_TIMEOUT_MS)
    await this.exited
    clearTimeout(timer)
  }

  /** Kills it at once, without waiting: for a process that is exiting. */
  killNow(): void {
    if (this.exitInfo === undefined) this.child.kill('SIGKILL')
  }
}

/** The file name of the built command in dist/. */
const CLI_ENTRY_FILE = 'bin.js'

/**
 * The built `protolab` command, which the kernel link runs inside the namespaces: beside the
 * bundle running this code (dist/, or dist/ above a chunk), in @protolab/cli's dist/ beside
 * @protolab/lab's, or in the package's dist/ when this runs from sources (tests; `pnpm build`
 * makes it).
 */
export function cliEntry(): string {
  const here = typeof __dirname === 'string' ? __dirname : dirname(fileURLToPath(import.meta.url))
  const candidates = [
    join(here, CLI_ENTRY_FILE),
    join(here, '..', CLI_ENTRY_FILE),
    // @protolab/lab's dist/ beside @protolab/cli: the workspace, or both installed side by side.
    join(here, '..', '..', 'cli', 'dist', CLI_ENTRY_FILE),
    join(here, '..', '..', '..', '..', 'cli', 'dist', CLI_ENTRY_FILE),
  ]
  const found = candidates.find((candidate) => existsSync(candidate))
  if (found === undefined) {
    throw new LabError(
      'ERR_UNSUPPORTED',
      `the protolab command to run inside the namespaces is missing (looked for ${candidates.join(', ')})`,
      { reason: 'namespace-entry-missing' },
    )
  }
  return found
}
