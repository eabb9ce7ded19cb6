import type { FramingName } from '@protolab/core'
import { Command, Option } from 'commander'
import { idleTimeoutOption, maxConnectionsOption } from '../access/limits.js'
import type { CliIO } from '../io.js'
import { accessOptions } from '../options/access.js'
import { ipVersionOptions } from '../options/address.js'
import { captureOption } from '../options/capture.js'
import { encodingOption } from '../options/encoding.js'
import { framingOption } from '../options/framing.js'
import { integerOption } from '../options/integer.js'
import { jsonOption, type OutputFormat, outputOption, rawOption } from '../options/output.js'
import { type MessageTransportName, messageTransportOption } from '../options/transport.js'

interface ListenFlags {
  transport: MessageTransportName
  encoding: string
  framing?: FramingName
  maxBytes?: number
  count?: number
  echo?: boolean
  hex?: boolean
  json?: boolean
  raw?: boolean
  output?: OutputFormat
  maxConnections: number
  idleTimeout: number
  ipv4?: boolean
  ipv6?: boolean
  capture?: string
  allow?: string[]
  deny?: string[]
}

/** Default most TCP peers at once, as ncat's. */
export const DEFAULT_MAX_CONNECTIONS = 100

/** `protolab listen`: print every message that arrives on a port, with who sent it. */
export function listenCommand(io: CliIO): Command {
  const command = new Command('listen')
    .description('receive on a port and print each message with its sender: [127.0.0.1:53122] text')
    .argument(
      '<[host:]port>',
      'where to listen: a port alone means 127.0.0.1 (or ::1 with -6); 0 lets the OS choose',
    )
    .addOption(messageTransportOption())
    .addOption(encodingOption())
    .addOption(framingOption())
    .addOption(
      integerOption(
        '--max-bytes <n>',
        'UDP: read at most n bytes of a datagram, marking longer ones truncated (as recvfrom(1024)); TCP: longest frame',
        { min: 1, max: 16 * 1024 * 1024 },
      ),
    )
    .addOption(integerOption('--count <n>', 'exit (code 0) after n messages', { min: 1 }))
    .addOption(new Option('--echo', 'send each message back to its sender (a ping-pong server)'))
    .addOption(new Option('--hex', 'print each message as a hex dump').conflicts(['json', 'output']))
    .addOption(
      outputOption(
        'text (default): a line a message, with its sender; bytes: the payloads exactly as received, nothing added (TCP: in stream order, -f raw unless -f says otherwise; with --json: base64)',
      ),
    )
    .addOption(
      jsonOption(
        'print one JSON object a line: from, address, port, bytes, text (-o bytes: payload, base64), truncated, time',
      ),
    )
    .addOption(rawOption())
    .addOption(captureOption())
    .addOption(
      maxConnectionsOption('TCP: most peers connected at once; more are refused', DEFAULT_MAX_CONNECTIONS),
    )
    .addOption(idleTimeoutOption('TCP: disconnect a peer silent this long; 0 = never', 0))
  for (const option of [...accessOptions(), ...ipVersionOptions()]) command.addOption(option)
  return command
    .addHelpText(
      'after',
      `
It says where it listens on stderr ("listening on 127.0.0.1:9000 (udp)"), TCP connects and
disconnects too; messages go to stdout. Listening on every interface needs 0.0.0.0:PORT or [::]:PORT.

Examples:
  protolab listen 9000 -e gb2312                 the notes' UDP receiver
  protolab listen 9000 -t tcp --echo             a TCP echo server, one line per message
  protolab listen [::1]:9000 --json --count 1    wait for one datagram, print it as JSON
  protolab listen 9000 -t tcp -f raw --hex       see how TCP chunks a stream
  protolab listen 9000 -t tcp -o bytes > out.bin a file sent with nc, byte for byte
  protolab listen 9000 -o bytes --json           each datagram a JSON line, its bytes in base64`,
    )
    .action(async (address: string, flags: ListenFlags) => {
      const { runListen } = await import('../listen/run.js')
      await runListen({ address, ...flags }, io)
    })
}
