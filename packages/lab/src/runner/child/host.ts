import { type ChildProcess, fork } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { PeerResetError } from '@protolab/core'
import { LabError } from '../../errors.js'
import { LabRoles } from '../roles/roles.js'
import { type CallMessage, deserializeError, isReplyMessage } from './protocol.js'

/** The methods a lab host offers: those of {@link LabRoles}. */
export type LabMethod = {
  [K in keyof LabRoles]: LabRoles[K] extends (...args: never[]) => unknown ? K : never
}[keyof LabRoles]
type Params<M extends LabMethod> = Parameters<LabRoles[M]>
type Result<M extends LabMethod> = Awaited<ReturnType<LabRoles[M]>>

/**
 * Where a receiver or a relay of the lab runs: a child process of its own (the default, so the
 * sender cannot starve it) or this process (`inProcess`, for tests and debugging).
 */
export interface LabHost {
  /** What runs there, for messages: `receiver`, `relay`. */
  readonly role: string
  /** The child's process id; undefined in-process. */
  readonly pid: number | undefined
  /** Calls a method of the host's {@link LabRoles}. Rejects with the host's death if it dies first. */
  call<M extends LabMethod>(method: M, ...params: Params<M>): Promise<Result<M>>
  /**
   * Rejects with PeerResetError when the child exits before {@link close}; never settles otherwise.
   * Race it against anything that waits for the host.
   */
  readonly died: Promise<never>
  /** Stops the host: closes what it opened, and for a child, waits for the process to exit. */
  close(): Promise<void>
}

/** How long a child gets to exit after it was asked to, before it is killed. */
const CHILD_EXIT_TIMEOUT_MS = 2000

/** Starts a host for `role` in this process or in a child process. */
export function startLabHost(role: string, inProcess: boolean): Promise<LabHost> {
  return inProcess ? Promise.resolve(new LocalHost(role)) : forkHost(role)
}

class LocalHost implements LabHost {
  readonly pid = undefined
  readonly died: Promise<never> = new Promise(() => {})
  private readonly roles = new LabRoles()

  constructor(readonly role: string) {}

  call<M extends LabMethod>(method: M, ...params: Params<M>): Promise<Result<M>> {
    const fn = this.roles[method] as (...args: Params<M>) => Result<M> | Promise<Result<M>>
    return Promise.resolve().then(() => fn.apply(this.roles, params))
  }

  close(): Promise<void> {
    return this.roles.closeAll()
  }
}

/** The file name of the bundled child entry in dist/ (tsup.config.ts builds it beside bin.js). */
export const LAB_CHILD_FILE = 'lab-child.js'

/**
 * The bundled child entry: beside the bundle that runs this code (dist/, or dist/ above a chunk
 * in dist/chunks/), or, when this runs from sources (tests), in the package's dist/ (built by
 * `pnpm build`, which `pnpm test` runs first).
 */
export function labChildEntry(): string {
  const here = moduleDirectory()
  const candidates = [
    join(here, LAB_CHILD_FILE),
    join(here, '..', LAB_CHILD_FILE),
    join(here, '..', '..', '..', 'dist', LAB_CHILD_FILE),
  ]
  const found = candidates.find((candidate) => existsSync(candidate))
  if (found === undefined) {
    throw new LabError(
      'ERR_UNSUPPORTED',
      `the lab's child process entry is missing (looked for ${candidates.join(', ')})`,
      { reason: 'child-entry-missing' },
    )
  }
  return found
}

function moduleDirectory(): string {
  // A CJS bundle has __dirname; ESM has import.meta.url.
  return typeof __dirname === 'string' ? __dirname : dirname(fileURLToPath(import.meta.url))
}

async function forkHost(role: string): Promise<LabHost> {
  const child = fork(labChildEntry(), [role], {
    // Structured clone: typed arrays of per-message data cross as bytes, not JSON.
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    // Not the parent's flags (a test runner's loaders, an inspector port).
    execArgv: [],
  })
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve)
    child.once('error', reject)
  })
  return new ChildHost(role, child)
}

interface Pending {
  resolve(value: unknown): void
  reject(error: unknown): void
}

class ChildHost implements LabHost {
  readonly died: Promise<never>
  private readonly pending = new Map<number, Pending>()
  private nextId = 1
  private closing = false
  private exited = false
  private readonly exit: Promise<void>

  constructor(
    readonly role: string,
    private readonly child: ChildProcess,
  ) {
    let onDeath: (error: Error) => void = () => {}
    this.died = new Promise<never>((_, reject) => {
      onDeath = reject
    })
    // Nobody may be racing it at the moment the child dies.
    this.died.catch(() => {})
    this.exit = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exited = true
        const how = signal === null ? `with code ${code}` : `by ${signal}`
        const error = new PeerResetError(`the lab ${role} process (pid ${child.pid}) exited ${how}`)
        for (const pending of this.pending.values()) pending.reject(error)
        this.pending.clear()
        if (!this.closing) onDeath(error)
        resolve()
      })
    })
    child.on('message', (message) => {
      if (!isReplyMessage(message)) return
      const pending = this.pending.get(message.id)
      if (pending === undefined) return
      this.pending.delete(message.id)
      if (message.ok) pending.resolve(message.value)
      else pending.reject(deserializeError(message.error))
    })
    // An IPC write to a child that just died errors here rather than crashing the runner.
    child.on('error', () => {})
  }

  get pid(): number | undefined {
    return this.child.pid
  }

  call<M extends LabMethod>(method: M, ...params: Params<M>): Promise<Result<M>> {
    if (this.exited) return this.died
    return new Promise((resolve, reject) => {
      const id = this.nextId++
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject })
      const message: CallMessage = { kind: 'call', id, method, params }
      this.child.send(message, (error) => {
        if (error === null || error === undefined) return
        this.pending.delete(id)
        reject(error)
      })
    })
  }

  async close(): Promise<void> {
    if (this.closing) return this.exit
    this.closing = true
    if (this.exited) return
    try {
      await this.call('closeAll')
    } catch {
      // It is going away either way.
    }
    if (this.child.connected) this.child.disconnect()
    const timer = setTimeout(() => this.child.kill('SIGKILL'), CHILD_EXIT_TIMEOUT_MS)
    await this.exit
    clearTimeout(timer)
  }
}
