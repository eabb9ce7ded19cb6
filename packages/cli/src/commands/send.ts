import { Command } from 'commander'
import type { CliIO } from '../io.js'

export function sendCommand(_io: CliIO): Command {
  return new Command('send')
}
