import { Command, CommanderError } from 'commander'
import packageJson from '../package.json' with { type: 'json' }
import * as commands from './commands/index.js'
import { reportError, UsageError } from './errors.js'
import type { CliIO } from './io.js'
import { parseDeferredOptions } from './options/deferred.js'

/**
 * Runs the `protolab` command line: `argv` without the node and script paths (`['send', ...]`).
 * Pure: it touches only `io`, never `process`, and resolves to the exit code (0 done, 1 failed at
 * run time, 2 bad usage) instead of exiting.
 */
export async function runCli(argv: readonly string[], io: CliIO): Promise<number> {
  const program = createProgram(io)
  let failedCommand: Command | undefined
  let runningCommand: Command | undefined
  program.hook('preSubcommand', (_program, subcommand) => {
    runningCommand = subcommand
  })
  for (const command of [program, ...descendants(program)]) {
    command
      .exitOverride()
      .configureOutput({
        writeOut: (text) => io.stdout.write(text),
        writeErr: (text) => io.stderr.write(text),
        // Errors are printed by reportError, in one format for every error.
        outputError: () => {
          failedCommand = command
        },
      })
      .showSuggestionAfterError(true)
  }
  try {
    await program.parseAsync(helpAsFlag(argv, program), { from: 'user' })
    return 0
  } catch (error) {
    if (error instanceof CommanderError) return await exitCodeOfCommanderError(error, failedCommand, io)
    // Ctrl-C or SIGTERM while a command was still starting (binding, connecting) is a clean stop.
    if (io.signal.aborted && (error as { code?: unknown } | undefined)?.code === 'ERR_ABORTED') return 0
    return await reportError(error, io, usageHintFor(runningCommand))
  }
}

function createProgram(io: CliIO): Command {
  const program = new Command('protolab')
    .description('See what UDP and TCP really do to your messages: send, listen, chat, measure.')
    .version(packageJson.version, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .helpCommand('help [command]', 'show help for a command, as <command> --help does')
    // Options after a command's name are that command's: `lab run -t udp` is run's -t, not lab's.
    .enablePositionalOptions()
    // Values only core can read (sizes, times, rates, address lists) are read once a command runs.
    .hook('preAction', (_program, actionCommand) => parseDeferredOptions(actionCommand))
    .addHelpText(
      'after',
      `
Examples:
  protolab listen 9000 -t udp -e gb2312            print what arrives, with who sent it
  protolab send 127.0.0.1:9000 -t udp -e gb2312 你好
  protolab chat --bind 8080 --peer 127.0.0.1:8081  a full-duplex chat over UDP
  protolab ports --listening                       who holds which port
  protolab ip 192.168.0.255/24                     what an address is

Exit codes: 0 done, 1 failed at run time, 2 bad usage.`,
    )
  for (const createCommand of Object.values(commands)) {
    program.addCommand(createCommand(io))
  }
  return program
}

/**
 * `help lab serve` is `lab serve --help`, the same text for commands at any depth; `help nope` is
 * `nope`, so a command that is not there gets the same error (and suggestion) as when run.
 */
function helpAsFlag(argv: readonly string[], program: Command): string[] {
  const [first, name, ...rest] = argv
  if (first !== 'help' || name === undefined) return [...argv]
  const known = program.commands.some((command) => command.name() === name)
  return known ? [name, ...rest, '--help'] : [name, ...rest]
}

function* descendants(command: Command): Generator<Command> {
  for (const child of command.commands) {
    yield child
    yield* descendants(child)
  }
}

async function exitCodeOfCommanderError(
  error: CommanderError,
  command: Command | undefined,
  io: CliIO,
): Promise<number> {
  // --help and --version end the run successfully; help shown because no command was given is bad usage.
  if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return 0
  if (error.code === 'commander.help') return error.exitCode === 0 ? 0 : 2
  const [message = '', ...rest] = error.message.replace(/^error: /, '').split('\n')
  const suggestion = rest.join(' ').match(/^\((Did you mean .*)\)$/)?.[1]
  return reportError(new UsageError(message, { hint: suggestion ?? usageHintFor(command) }), io)
}

function usageHintFor(command: Command | undefined): string {
  const path = command === undefined ? [] : commandPath(command)
  return `run '${['protolab', ...path, '--help'].join(' ')}' for usage`
}

function commandPath(command: Command): string[] {
  const names: string[] = []
  for (let current: Command | null = command; current?.parent; current = current.parent) {
    names.unshift(current.name())
  }
  return names
}
