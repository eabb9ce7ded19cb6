import { reportError } from './errors.js'
import type { CliIO } from './io.js'
import { runCli } from './main.js'

/** Exit code of a process stopped by a second Ctrl-C: 128 + SIGINT. */
const FORCED_EXIT_CODE = 130

/**
 * The only code that touches `process`: it turns SIGINT/SIGTERM into the abort signal of the run
 * (a second signal exits at once), runs the command line and exits with its code.
 */
async function main(): Promise<void> {
  const controller = new AbortController()
  const onSignal = (signal: NodeJS.Signals): void => {
    if (controller.signal.aborted) process.exit(FORCED_EXIT_CODE)
    controller.abort(new Error(`stopped by ${signal}`))
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  // A reader that went away (`protolab listen 9000 | head -1`) ends the run quietly.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0)
      throw error
    })
  }
  const io: CliIO = {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    isTTY: {
      stdin: process.stdin.isTTY === true,
      stdout: process.stdout.isTTY === true,
      stderr: process.stderr.isTTY === true,
    },
    env: process.env,
    signal: controller.signal,
  }
  // Never a stack trace, even for a bug that escapes a command: one line, exit code 1.
  const onUnexpected = (error: unknown): void => {
    reportError(error, io).then(
      (exitCode) => process.exit(exitCode),
      () => process.exit(1),
    )
  }
  process.on('uncaughtException', onUnexpected)
  process.on('unhandledRejection', onUnexpected)
  const exitCode = await runCli(process.argv.slice(2), io)
  // Exit once what was written has been handed over, even if a peer or stdin still holds the loop.
  process.exitCode = exitCode
  process.stdout.write('', () => process.stderr.write('', () => process.exit(exitCode)))
}

await main()
