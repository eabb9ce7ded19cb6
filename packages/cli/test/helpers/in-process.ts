import { PassThrough } from 'node:stream'
import type { CliIO } from '../../src/io.js'
import { runCli } from '../../src/main.js'

/** What a run of {@link runInProcess} printed, and its exit code. */
export interface InProcessResult {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

/**
 * Runs the command line in this process through the pure `runCli`, with streams for stdio: fast,
 * for checks that need no sockets (usage errors, parsing). `stdin` is empty unless given.
 */
export async function runInProcess(
  args: readonly string[],
  options: { stdin?: string } = {},
): Promise<InProcessResult> {
  const stdout = new PassThrough()
  const stderr = new PassThrough()
  const stdin = new PassThrough()
  const output = { stdout: '', stderr: '' }
  stdout.setEncoding('utf8').on('data', (chunk: string) => {
    output.stdout += chunk
  })
  stderr.setEncoding('utf8').on('data', (chunk: string) => {
    output.stderr += chunk
  })
  stdin.end(options.stdin ?? '')
  const io: CliIO = {
    stdout,
    stderr,
    stdin,
    isTTY: { stdin: false, stdout: false, stderr: false },
    env: {},
    signal: new AbortController().signal,
  }
  const code = await runCli(args, io)
  return { code, ...output }
}
