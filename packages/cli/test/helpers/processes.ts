import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

/** The built command, run as a user runs it. */
export const BIN = fileURLToPath(new URL('../../dist/bin.js', import.meta.url))

/** The project's GB2312 UDP chat peer (two threads, recvfrom(1024)), as a real peer. */
export const GB2312_CHAT = fileURLToPath(new URL('../../../../test-peers/gb2312_chat.py', import.meta.url))

/** How long to wait for a build in progress (tsup replaces dist/ while it runs) before giving up. */
const BUILD_WAIT_MS = 30_000

for (const started = Date.now(); !existsSync(BIN); ) {
  if (Date.now() - started > BUILD_WAIT_MS) {
    throw new Error(`${BIN} is missing: build the command first (cd packages/cli && npx tsup, or pnpm build)`)
  }
  await new Promise((resolve) => setTimeout(resolve, 200))
}

/** True when `tool` is on the PATH; tests that need a missing tool are skipped, saying so. */
export function has(tool: string): boolean {
  const found = spawnSync('sh', ['-c', `command -v '${tool}'`]).status === 0
  if (!found) console.warn(`skipping tests that need ${tool}: it is not installed`)
  return found
}

/** How a finished process ended. */
export interface Finished {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
}

/** A running child process, with what it has printed so far. */
export interface Running {
  readonly child: ChildProcessWithoutNullStreams
  readonly stdout: () => string
  /** Standard output as bytes, for peers that print what they received in another encoding. */
  readonly stdoutBytes: () => Buffer
  readonly stderr: () => string
  /** Resolves with the first match of `pattern` in the stream's output, waiting up to `timeoutMs`. */
  waitFor(stream: 'stdout' | 'stderr', pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>
  write(text: string | Uint8Array): void
  /** Ends its standard input. */
  end(): void
  /** Resolves when it exits (killed with SIGKILL after `timeoutMs`). */
  finished(timeoutMs?: number): Promise<Finished>
  /** Sends a signal. */
  kill(signal?: NodeJS.Signals): void
}

const running = new Set<Running>()

/** Starts `command` with `args`; every process started is killed by {@link stopAll}. */
export function start(
  command: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Running {
  const child = spawn(command, args, {
    env: { ...process.env, ...options.env },
    stdio: 'pipe',
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
  })
  const output = { stdout: '', stderr: '' }
  const stdoutChunks: Buffer[] = []
  const stdoutText = new TextDecoder()
  const listeners = new Set<() => void>()
  child.stdout.on('data', (chunk: Buffer) => {
    stdoutChunks.push(chunk)
    output.stdout += stdoutText.decode(chunk, { stream: true })
    for (const listener of listeners) listener()
  })
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    output.stderr += chunk
    for (const listener of listeners) listener()
  })
  child.stdin.on('error', () => {}) // the process may exit before reading all it was given
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('close', (code, signal) => {
      for (const listener of listeners) listener()
      resolve({ code, signal })
    })
  })
  let hasExited = false
  void exited.then(() => {
    hasExited = true
  })
  const handle: Running = {
    child,
    stdout: () => output.stdout,
    stdoutBytes: () => Buffer.concat(stdoutChunks),
    stderr: () => output.stderr,
    waitFor(stream, pattern, timeoutMs = 5000) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const match = output[stream].match(pattern)
          if (match !== null) {
            finish()
            resolve(match)
          } else if (hasExited) {
            finish()
            reject(
              new Error(
                `${command} exited before printing ${pattern} on ${stream}; stdout: ${output.stdout}; stderr: ${output.stderr}`,
              ),
            )
          }
        }
        const timer = setTimeout(() => {
          finish()
          reject(
            new Error(
              `${command} did not print ${pattern} on ${stream} within ${timeoutMs} ms; stdout: ${output.stdout}; stderr: ${output.stderr}`,
            ),
          )
        }, timeoutMs)
        const finish = (): void => {
          clearTimeout(timer)
          listeners.delete(check)
        }
        listeners.add(check)
        check()
      })
    },
    write(text) {
      child.stdin.write(text)
    },
    end() {
      child.stdin.end()
    },
    async finished(timeoutMs = 5000) {
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
      const { code, signal } = await exited
      clearTimeout(timer)
      running.delete(handle)
      return { code, signal, stdout: output.stdout, stderr: output.stderr }
    },
    kill(signal = 'SIGTERM') {
      if (!hasExited) child.kill(signal)
    },
  }
  running.add(handle)
  return handle
}

/** Starts `protolab <args>` from the build. */
export function startProtolab(args: readonly string[], options: { env?: NodeJS.ProcessEnv } = {}): Running {
  return start(process.execPath, [BIN, ...args], options)
}

/** Runs `protolab <args>` to its end, with `input` on stdin, killing it after `timeoutMs`. */
export async function runProtolab(
  args: readonly string[],
  options: { input?: string | Uint8Array; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<Finished> {
  const proc = startProtolab(args, options)
  if (options.input !== undefined) proc.write(options.input)
  proc.end()
  return proc.finished(options.timeoutMs ?? 10_000)
}

/** Kills every process still running and waits for them to exit; for afterEach. */
export async function stopAll(): Promise<void> {
  const all = [...running]
  for (const proc of all) proc.kill('SIGKILL')
  await Promise.all(all.map((proc) => proc.finished(2000)))
}
