import type { FramingName } from '@protolab/core'
import { Command, Option } from 'commander'
import type { CliIO } from '../io.js'
import { bindOption, ipVersionOptions } from '../options/address.js'
import { encodingOption } from '../options/encoding.js'
import { framingOption } from '../options/framing.js'
import { jsonOption } from '../options/output.js'
import { type MessageTransportName, messageTransportOption } from '../options/transport.js'

interface SendFlags {
  transport: MessageTransportName
  encoding: string
  framing?: FramingName
  bind?: string
  broadcast?: boolean
  ipv4?: boolean
  ipv6?: boolean
  verbose?: boolean
  json?: boolean
}

/** `protolab send`: send text to a peer over UDP or TCP, as `nc` does. */
export function sendCommand(io: CliIO): Command {
  const command = new Command('send')
    .description('send text to a peer: the arguments, or standard input when there are none')
    .argument('<host:port>', 'where to send: 127.0.0.1:9000, [::1]:9000, localhost:9000')
    .argument('[text...]', 'the text to send (joined with spaces); without it, standard input is sent')
    .addOption(messageTransportOption())
    .addOption(encodingOption())
    .addOption(framingOption())
    .addOption(bindOption('local address to send from: [host:]port'))
    .addOption(new Option('--broadcast', 'allow sending to a broadcast address (UDP)'))
  for (const option of ipVersionOptions()) command.addOption(option)
  return command
    .option('-v, --verbose', 'say on stderr which local address the messages were sent from')
    .addOption(
      jsonOption('print each message sent as a JSON line: to, address, port, from, transport, bytes, text'),
    )
    .addHelpText(
      'after',
      `
Standard input is sent one message a line with -f line or -f length, all of it at once with -f raw
(one datagram over UDP). Defaults: -t udp, -f raw over udp and line over tcp, -e utf-8.

Examples:
  protolab send 127.0.0.1:9000 -e gb2312 你好            one GB2312 datagram, as the notes' sendto
  printf 'a\\nb\\n' | protolab send 127.0.0.1:9000 -t tcp  two lines over one TCP connection
  protolab send 192.168.0.255:9000 --broadcast hello     a broadcast datagram
  protolab send 127.0.0.1:9000 --json hello              what was sent, from where, as JSON`,
    )
    .action(async (destination: string, text: string[], flags: SendFlags) => {
      const { runSend } = await import('../send/run.js')
      await runSend({ destination, text, ...flags }, io)
    })
}
