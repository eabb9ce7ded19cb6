import { Command } from 'commander'
import type { CliIO } from '../io.js'
import { jsonOption } from '../options/output.js'

/** `protolab ports`: the TCP and UDP sockets of this host, as `netstat -an` shows them. */
export function portsCommand(io: CliIO): Command {
  return new Command('ports')
    .description('list TCP and UDP sockets (IPv4 and IPv6) with their state and service, like netstat -an')
    .option('--tcp', 'TCP sockets only')
    .option('--udp', 'UDP sockets only')
    .option('-l, --listening', 'only sockets waiting for peers: TCP LISTEN, UDP UNCONN')
    .addOption(
      jsonOption(
        'print a JSON array of {proto, localAddress, localPort, remoteAddress, remotePort, state, service}',
      ),
    )
    .addHelpText(
      'after',
      `
Examples:
  protolab ports --listening           who is waiting on which port
  protolab ports --tcp --json          every TCP socket, for a script`,
    )
    .action(async (options: { tcp?: boolean; udp?: boolean; listening?: boolean; json?: boolean }) => {
      const { runPorts } = await import('../ports/run.js')
      await runPorts(options, io)
    })
}
