import { DemoUsageError, parseDemoArgs, USAGE } from './args.js'
import { runDemo } from './demo.js'

/** The only code that touches `process`: arguments, Ctrl-C, the exit code. */
async function main(): Promise<number> {
  const controller = new AbortController()
  process.once('SIGINT', () => controller.abort())
  try {
    const args = parseDemoArgs(process.argv.slice(2))
    if (args.help) {
      process.stdout.write(USAGE)
      return 0
    }
    await runDemo(args, {
      stdout: process.stdout,
      stderr: process.stderr,
      isTTY: process.stdout.isTTY === true,
      signal: controller.signal,
    })
    return 0
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    process.stderr.write(`demo: ${message}\n`)
    if (error instanceof DemoUsageError) {
      process.stderr.write(USAGE)
      return 2
    }
    return 1
  }
}

process.exitCode = await main()
