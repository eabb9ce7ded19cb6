import { Command, Option } from 'commander'
import { idleTimeoutOption, maxConnectionsOption } from '../access/limits.js'
import type { ChatOptions } from '../chat/options.js'
import type { CliIO } from '../io.js'
import { accessOptions } from '../options/access.js'
import { bindOption, ipVersionOptions } from '../options/address.js'
import { captureOption } from '../options/capture.js'
import { encodingOption } from '../options/encoding.js'
import { integerOption } from '../options/integer.js'
import { jsonOption, rawOption } from '../options/output.js'
import { messageTransportOption } from '../options/transport.js'
import { DEFAULT_MAX_CONNECTIONS } from './listen.js'

/** Seconds of silence after which a UDP room member has left. */
export const DEFAULT_MEMBER_TIMEOUT_S = 60

/** `protolab chat`: the notes' two-thread chat, full duplex, over UDP or TCP; or a room for many. */
export function chatCommand(io: CliIO): Command {
  const command = new Command('chat')
    .description(
      'a full-duplex chat with a peer (--peer), a waiting side (--listen), or a room for many (--room)',
    )
    .addOption(new Option('--peer <host:port>', 'chat with this peer (or room)'))
    .addOption(
      new Option(
        '--listen <[host:]port>',
        'wait for a peer here (TCP: the side that listens; UDP: reply to whoever writes)',
      ),
    )
    .addOption(
      new Option(
        '--room <[host:]port>',
        "run a room here that relays every member's lines to all the others",
      ),
    )
    .addOption(bindOption("UDP: the local [host:]port to chat from, as the notes' bind(8080)"))
    .addOption(messageTransportOption())
    .addOption(encodingOption())
    .addOption(new Option('--name <name>', 'send lines as "name: text"; a room shows them as <name>'))
    .addOption(rawOption())
    .addOption(
      jsonOption(
        'print the events as JSON lines: event (message, join, leave), from, address, port, name, text, reason, time',
      ),
    )
    .addOption(captureOption())
    .addOption(
      integerOption('--member-timeout <seconds>', 'room over UDP: a member silent this long has left', {
        min: 1,
        max: 2_147_483,
      }).default(DEFAULT_MEMBER_TIMEOUT_S),
    )
    .addOption(maxConnectionsOption('TCP listener or room: most peers at once', DEFAULT_MAX_CONNECTIONS))
    .addOption(idleTimeoutOption('TCP: disconnect a peer silent this long; 0 = never', 0))
  for (const option of [...accessOptions(), ...ipVersionOptions()]) command.addOption(option)
  return command
    .addHelpText(
      'after',
      `
Lines you type are sent as you press Enter; lines that arrive print above your prompt as
">>> [127.0.0.1:8081] text", the line you are typing kept intact. /quit, Ctrl-D or Ctrl-C leave.
With standard input piped it works line by line, for scripts.

A room relays each member's line to every other member as "<name> text" (the member's --name,
else its address) and announces joins and leaves. Over TCP a member leaves by closing; over UDP a
member joins with its first line and has left after --member-timeout seconds of silence (60).

Examples:
  protolab chat --bind 8080 --peer 127.0.0.1:8081 -e gb2312   one side of the notes' UDP chat
  protolab chat --bind 8081 --peer 127.0.0.1:8080 -e gb2312   ... and the other
  protolab chat -t tcp --listen 9000                           TCP: one side waits
  protolab chat -t tcp --peer 127.0.0.1:9000                   ... the other connects
  protolab chat --room 7000 -t tcp                             a room; members join with:
  protolab chat -t tcp --peer 127.0.0.1:7000 --name alice
  protolab chat --room 7000 --json                            a UDP room, its events as JSON`,
    )
    .action(async (flags: Omit<ChatOptions, 'transport'> & Pick<ChatOptions, 'transport'>) => {
      const { runChat } = await import('../chat/run.js')
      await runChat(flags, io)
    })
}
