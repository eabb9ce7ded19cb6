import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { LabError } from '../../errors.js'
import { KernelLink } from './link.js'
import { type NamespaceEvent, type NamespaceRequest, parseNamespaceEvent } from './namespace/protocol.js'

/** How a protolab process inside a namespace ended. */
export interface Exit {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
}

/** How long a process gets to stop after SIGTERM before it is killed. */
const STOP_TIMEOUT_MS = 3000

/**
 * The lab's namespace entry running inside a network namespace (`ip netns exec <ns> node
 * lab-namespace.js`), given one request: its stdout is read as event lines, its stderr kept for
 * error messages.
 */
export class NamespacedProcess {
  private stderrText = ''
  private exitInfo: Exit | undefined
  /** What it said when it failed (its `failed` event). */
  private failure: string | undefined
  private readonly listeners = new Set<(event: NamespaceEvent) => void>()
  /** Resolves when the process has exited. */
  readonly exited: Promise<Exit>

  private constructor(
    private readonly child: ChildProcess,
    /** What runs, for messages: `the lab server in plab-123-1-b`. */
    readonly description: string,
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
      for (const line of lines) {
        const event = parseNamespaceEvent(line)
        if (event === undefined) continue
        if (event.type === 'failed') this.failure = event.message
        for (const listener of [...this.listeners]) listener(event)
      }
    })
    child.on('error', () => {})
  }

  /**
   * Starts the lab package's namespace entry in `namespace` and hands it `request` on its stdin;
   * `onEvent` hears every event it says.
   */
  static start(
    namespace: string,
    request: NamespaceRequest,
    description: string,
    onEvent?: (event: NamespaceEvent) => void,
  ): NamespacedProcess {
    const [command, commandArgs] = KernelLink.commandIn(namespace, process.execPath, [labNamespaceEntry()])
    const child = spawn(command, commandArgs, {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1' },
    })
    child.stdin?.on('error', () => {}) // a child that dies at once is reported by its exit
    child.stdin?.end(JSON.stringify(request))
    const started = new NamespacedProcess(child, description)
    if (onEvent !== undefined) started.listeners.add(onEvent)
    return started
  }

  get pid(): number | undefined {
    return this.child.pid
  }

  /** What it printed on stderr (the last 16 KiB). */
  get stderr(): string {
    return this.stderrText
  }

  /** Its one-line complaint: what it said when it failed, or the end of its stderr. */
  get complaint(): string {
    if (this.failure !== undefined) return this.failure
    const lines = this.stderrText.split('\n').filter((line) => line.trim() !== '')
    return lines.at(-1) ?? 'no message'
  }

  /** Resolves with its first event of `type`; rejects when the process exits first or after `timeoutMs`. */
  waitForEvent<T extends NamespaceEvent['type']>(
    type: T,
    timeoutMs: number,
  ): Promise<Extract<NamespaceEvent, { type: T }>> {
    return new Promise((resolve, reject) => {
      const onEvent = (event: NamespaceEvent): void => {
        if (event.type === type) finish(() => resolve(event as Extract<NamespaceEvent, { type: T }>))
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
        this.listeners.delete(onEvent)
        this.child.off('close', onExit)
        settle()
      }
      this.listeners.add(onEvent)
      this.child.once('close', onExit)
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

/** The file name of the namespace entry in dist/ (tsup.config.ts builds it beside lab-child.js). */
export const LAB_NAMESPACE_FILE = 'lab-namespace.js'

/**
 * The lab package's namespace entry, which the kernel link runs inside its namespaces: beside the
 * bundle running this code (dist/, or dist/ above a chunk), or in the package's dist/ when this
 * runs from sources (tests; `pnpm build` makes it).
 */
export function labNamespaceEntry(): string {
  const here = typeof __dirname === 'string' ? __dirname : dirname(fileURLToPath(import.meta.url))
  const candidates = [
    join(here, LAB_NAMESPACE_FILE),
    join(here, '..', LAB_NAMESPACE_FILE),
    join(here, '..', '..', '..', 'dist', LAB_NAMESPACE_FILE),
  ]
  const found = candidates.find((candidate) => existsSync(candidate))
  if (found === undefined) {
    throw new LabError(
      'ERR_UNSUPPORTED',
      `the lab's namespace entry is missing (looked for ${candidates.join(', ')})`,
      { reason: 'namespace-entry-missing' },
    )
  }
  return found
}
