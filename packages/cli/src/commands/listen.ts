import { Command } from 'commander'
import type { CliIO } from '../io.js'

export function listenCommand(_io: CliIO): Command {
  return new Command('listen')
}
