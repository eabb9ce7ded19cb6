import { Command } from 'commander'
import type { CliIO } from '../io.js'
import { jsonOption } from '../options/output.js'

/** `protolab encodings`: every text encoding `-e` accepts, with its other names. */
export function encodingsCommand(io: CliIO): Command {
  return new Command('encodings')
    .description('list the text encodings -e accepts, with their aliases')
    .addOption(jsonOption('print a JSON array of {name, aliases}'))
    .addHelpText(
      'after',
      `
Any alias works wherever an encoding is asked for, in any case: -e GB2312, -e euc-cn and -e cp936 ...

Examples:
  protolab encodings
  protolab encodings --json`,
    )
    .action(async (options: { json?: boolean }) => {
      const { listEncodings } = await import('@protolab/core')
      const encodings = listEncodings()
      if (options.json) {
        io.stdout.write(`${JSON.stringify(encodings, null, 2)}\n`)
        return
      }
      const width = Math.max(...encodings.map((encoding) => encoding.name.length))
      for (const { name, aliases } of encodings) {
        io.stdout.write(`${`${name.padEnd(width)}  ${aliases.join(', ')}`.trimEnd()}\n`)
      }
    })
}
