import { Command, Option } from 'commander'
import { idleTimeoutOption, maxConnectionsOption } from '../access/limits.js'
import { accessOptions } from '../access/options.js'
import type { CliIO } from '../io.js'
import type { CleanupFlags } from '../kernel-link/cleanup-command.js'
import { labModeOption } from '../lab/flags.js'
import { flowsOption, parallelOption } from '../options/flows.js'
import { integerOption } from '../options/integer.js'
import { jsonOption } from '../options/output.js'
import { byteCountOption, durationOption } from '../options/units.js'
import type { RunFlags } from './run-command.js'
import type { ServeFlags } from './serve-command.js'

/** Defaults of `lab serve`, as its help states them (kept equal to the server's constants). */
const SERVE_DEFAULT_BIND = '127.0.0.1:5301'
const SERVE_DEFAULT_MAX_CONNECTIONS = 16
const SERVE_DEFAULT_IDLE_TIMEOUT_S = 60

/**
 * Adds `serve`, `run` and `cleanup` to the `lab` command: the lab across two hosts, and the
 * removal of what a kernel-link run left behind. The subcommands load their code only when run.
 */
export function addRemoteLabCommands(lab: Command, io: CliIO): void {
  // `lab` has flags of the same names (-t, --count, --json): after a subcommand's name, they are the subcommand's.
  lab.enablePositionalOptions()
  lab.addCommand(serveCommand(io))
  lab.addCommand(runCommand(io))
  lab.addCommand(cleanupCommand(io))
}

function serveCommand(io: CliIO): Command {
  const [allowOption, denyOption] = accessOptions() as [Option, Option]
  return new Command('serve')
    .description(
      'the far end of the lab: wait for `protolab lab run` from another host, one session at a time',
    )
    .addOption(
      new Option(
        '--bind <[host:]port>',
        'where to listen for control connections (0.0.0.0:PORT or [::]:PORT for every interface)',
      ).default(SERVE_DEFAULT_BIND),
    )
    .addOption(
      maxConnectionsOption(
        'most control connections at once; more are refused',
        SERVE_DEFAULT_MAX_CONNECTIONS,
      ),
    )
    .addOption(
      idleTimeoutOption(
        'close a control connection silent this long; 0 = never',
        SERVE_DEFAULT_IDLE_TIMEOUT_S,
      ),
    )
    .addOption(allowOption)
    .addOption(denyOption)
    .addOption(
      jsonOption(
        'print each session as a JSON line on stdout once it ends: session, from, address, port, transport, flows, count, size, rate, mode, dataPorts, result, durationMs, error',
      ),
    )
    .addHelpText(
      'after',
      `
The control channel is TCP (line-delimited JSON); each session's data goes over UDP, TCP or KCP on
ports the OS chooses, which the client learns over the control channel. A second client while a
session runs is told the server is busy. Runs until Ctrl-C.

Examples:
  protolab lab serve                              on 127.0.0.1:5301
  protolab lab serve --bind 0.0.0.0:5301          for clients on other hosts (mind your firewall)
  protolab lab serve --json > sessions.jsonl      keep a record of every session`,
    )
    .action(async (flags: ServeFlags) => {
      const { runServeCommand } = await import('./serve-command.js')
      await runServeCommand(flags, io)
    })
}

function runCommand(io: CliIO): Command {
  return new Command('run')
    .description(
      'run the lab against a `protolab lab serve`: this host sends, receives (--reverse), or both (--bidir)',
    )
    .requiredOption('--server <host:port>', 'the lab server (`protolab lab serve`) to run against')
    .addOption(
      new Option(
        '-t, --transport <name>',
        'udp, tcp, kcp, both (udp and tcp) or all (udp, tcp and kcp): one session each',
      )
        .choices(['udp', 'tcp', 'kcp', 'both', 'all'])
        .default('both'),
    )
    .addOption(new Option('--reverse', 'the server sends and this host receives').conflicts('bidir'))
    .addOption(new Option('--bidir', 'both send at once: two runs per transport'))
    .addOption(
      parallelOption(
        '-P, --parallel <n>',
        'run n flows of each transport at once, one way, each with its own connection (1-128, as iperf3 -P)',
      ).conflicts('bidir'),
    )
    .addOption(
      flowsOption(
        '--flows <spec>',
        'flows of several transports at once, this host sending: transport[:count][@rate],… e.g. udp:1@30mbit,tcp:2',
      ).conflicts(['bidir', 'reverse', 'parallel']),
    )
    .addOption(integerOption('--count <n>', 'messages to send (default 10,000)', { min: 1, max: 16_777_216 }))
    .addOption(byteCountOption('--size <bytes>', 'payload bytes per message (default 64)'))
    .addOption(
      integerOption('--rate <n>', 'messages per second; 0 = as fast as possible (default)', { min: 0 }),
    )
    .addOption(durationOption('--duration <time>', 'stop sending after this long, e.g. 5s'))
    .addOption(
      durationOption(
        '--interval <time>',
        "the counting side reports what arrived per interval, e.g. 1s (iperf3's -i): the server in its log, this host's lines here (--reverse, --bidir)",
      ),
    )
    .addOption(labModeOption())
    .addOption(jsonOption('print { "runs": [...] } instead of the table'))
    .addOption(new Option('--log <file.csv>', 'write one CSV row per message'))
    .addOption(new Option('--report <file.html>', 'write a self-contained HTML report with plots'))
    .addOption(
      integerOption('--recv-buffer <bytes>', "UDP: the receiving socket's SO_RCVBUF", {
        min: 1,
        max: 2 ** 31 - 1,
      }),
    )
    .addHelpText(
      'after',
      `
Across hosts, one-way latency needs the two clocks' offset, which is estimated over the control
channel (the report says how closely); --mode rtt needs no shared clock.

Examples:
  protolab lab run --server 192.0.2.7:5301 -t udp --rate 10000
  protolab lab run --server 192.0.2.7:5301 -t tcp --reverse --duration 5s
  protolab lab run --server 192.0.2.7:5301 --bidir --mode rtt --rate 1000
  protolab lab run --server 192.0.2.7:5301 --flows udp:1@30mbit,tcp:2 --duration 5s
  protolab lab run --server 192.0.2.7:5301 -t tcp -P 4   four TCP flows at once: per-flow rows, aggregate, Jain's index`,
    )
    .action(async (flags: RunFlags) => {
      const { runRunCommand } = await import('./run-command.js')
      await runRunCommand(flags, io)
    })
}

function cleanupCommand(io: CliIO): Command {
  return new Command('cleanup')
    .description(
      "remove what lab runs left behind: a stuck packet link host (and with it its namespaces), and the kernel link's namespaces, veths and nftables tables named plab* (root)",
    )
    .addOption(new Option('--all', 'also remove what belongs to protolab processes still running'))
    .addOption(jsonOption('print what was removed as one JSON object: namespaces, devices, tables, skipped'))
    .addHelpText(
      'after',
      `
Needs root (as the kernel link does). Namespaces of a protolab process that still runs are kept.

Examples:
  protolab lab cleanup                 after a kernel-link run was killed
  protolab lab cleanup --all --json    remove every plab* namespace, say what went, as JSON`,
    )
    .action(async (flags: CleanupFlags) => {
      const { runCleanupCommand } = await import('../kernel-link/cleanup-command.js')
      await runCleanupCommand(flags, io)
    })
}
