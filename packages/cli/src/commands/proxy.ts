import { Command, Option } from 'commander'
import { idleTimeoutOption, maxConnectionsOption } from '../access/limits.js'
import { accessOptions } from '../access/options.js'
import type { CliIO } from '../io.js'
import { impairmentOptions } from '../lab/flags.js'
import type { ProxyFlags } from '../lab/proxy.js'
import { ipVersionOptions } from '../options/address.js'
import { integerOption } from '../options/integer.js'
import { jsonOption } from '../options/output.js'
import { messageTransportOption } from '../options/transport.js'

/** `protolab proxy`: the lab's seeded impairment relay, between any two programs. */
export function proxyCommand(io: CliIO): Command {
  const command = new Command('proxy')
    .description(
      'relay UDP datagrams (KCP too) or TCP connections to a server, impaired on the way (seeded, repeatable)',
    )
    .requiredOption(
      '--listen <[host:]port>',
      'where clients send or connect: a port alone means 127.0.0.1; 0 lets the OS choose',
    )
    .requiredOption('--to <host:port>', 'the server to relay to')
    .addOption(messageTransportOption())
    .addOption(
      integerOption('--seed <n>', 'seed of every impairment decision (default: random, printed)', { min: 0 }),
    )
    .addOption(
      new Option('--direction <which>', 'forward: impair client → server only; both: replies too')
        .choices(['forward', 'both'])
        .default('forward'),
    )
  for (const option of impairmentOptions()) command.addOption(option)
  command
    .addOption(
      maxConnectionsOption(
        'TCP connections (UDP clients) relayed at once; more are refused (default 256 TCP, 1024 UDP)',
      ),
    )
    .addOption(idleTimeoutOption('forget a client silent this long (default 60)', undefined, 1))
    .addOption(jsonOption('print the counts on exit as JSON'))
  for (const option of [...accessOptions(), ...ipVersionOptions()]) command.addOption(option)
  return command
    .addHelpText(
      'after',
      `
It says where it listens on stderr; on Ctrl-C or SIGTERM it prints what it did (received,
forwarded, dropped, duplicated, reordered, corrupted; for TCP bytes, writes, stalls, resets).

Examples:
  protolab proxy --listen 9001 --to 127.0.0.1:9000 --loss 10% --seed 1
      then: protolab listen 9000, and send to 9001 (nc -u 127.0.0.1 9001)
  protolab proxy --listen 8081 --to 127.0.0.1:8080 -t tcp --delay 50ms --slice 1
  protolab proxy --listen 9001 --to 127.0.0.1:9000 --dup 5% --reorder 5% --direction both
  protolab proxy --listen 9001 --to 127.0.0.1:9000 -t kcp --loss 2% --direction both
      KCP's datagrams, relayed as UDP's; its retransmissions make up the loss`,
    )
    .action(async (flags: ProxyFlags) => {
      const { runProxyCommand } = await import('../lab/proxy.js')
      await runProxyCommand(flags, io)
    })
}
