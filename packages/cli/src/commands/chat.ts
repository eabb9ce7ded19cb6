import { Command } from 'commander'
import type { CliIO } from '../io.js'

export function chatCommand(_io: CliIO): Command {
  return new Command('chat')
}
