import { Command, Option } from 'commander'
import type { CliIO } from '../io.js'
import type { LabFlags } from '../lab/command.js'
import { impairmentOptions, labModeOption } from '../lab/flags.js'
import { addRemoteLabCommands } from '../lab-remote/commands.js'
import { ipVersionOptions } from '../options/address.js'
import { captureOption } from '../options/capture.js'
import { integerOption } from '../options/integer.js'
import { jsonOption } from '../options/output.js'
import { byteCountOption, durationOption } from '../options/units.js'

/** `protolab lab`: the same workload over UDP and TCP, measured, impaired, reported. */
export function labCommand(io: CliIO): Command {
  const command = new Command('lab')
    .description(
      'send numbered messages over UDP and/or TCP and account for every one: loss, duplicates, reordering, latency',
    )
    .addOption(
      new Option('-t, --transport <name>', 'udp, tcp, or both (two runs, same seed and workload)')
        .choices(['udp', 'tcp', 'both'])
        .default('both'),
    )
    .addOption(
      integerOption('--count <n>', 'messages to send (default 10,000; with --duration, at most 1,000,000)', {
        min: 1,
        max: 16_777_216,
      }),
    )
    .addOption(
      byteCountOption('--size <bytes>', 'payload bytes per message, after the 32-byte envelope (default 64)'),
    )
    .addOption(
      integerOption(
        '--rate <n>',
        'messages per second, paced without drift; 0 = as fast as possible (default)',
        { min: 0 },
      ),
    )
    .addOption(durationOption('--duration <time>', 'stop sending after this long, e.g. 5s'))
    .addOption(
      durationOption(
        '--interval <time>',
        "print a line per interval while the run goes, e.g. 1s (iperf3's -i); --json gets intervals",
      ),
    )
    .addOption(labModeOption())
    .addOption(
      integerOption(
        '--seed <n>',
        'seed of the impairment (default: random, printed, so a run can be repeated)',
        { min: 0 },
      ),
    )
  for (const option of impairmentOptions()) command.addOption(option)
  command
    .addOption(jsonOption('print { "runs": [...] } instead of the table (fields in the README, "lab JSON")'))
    .addOption(
      new Option(
        '--log <file.csv>',
        'write one CSV row per message: sequence, sent and received time, copies, status',
      ),
    )
    .addOption(new Option('--report <file.html>', 'write a self-contained HTML report with plots'))
    .addOption(
      captureOption(
        "record the lab's packets with tcpdump or dumpcap (root): on loopback, or with --link kernel on the receiver's veth; read them with 'protolab layers --read'",
      ),
    )
    .addOption(
      integerOption('--recv-buffer <bytes>', "UDP: the receiver's SO_RCVBUF (default: the OS's)", {
        min: 1,
        max: 2 ** 31 - 1,
      }),
    )
    .addOption(new Option('--in-process', 'run the receiver and relay in this process (for debugging)'))
    .addOption(
      new Option(
        '--link <link>',
        'proxy: a seeded relay (no privileges); kernel: network namespaces, nftables and tc (Linux, root)',
      )
        .choices(['proxy', 'kernel'])
        .default('proxy'),
    )
  for (const option of ipVersionOptions()) command.addOption(option)
  addRemoteLabCommands(command, io)
  return command
    .addHelpText(
      'after',
      `
Without impairment flags the sender talks to the receiver directly; with any of them a seeded relay
sits in between. The receiver runs in a child process so the sender cannot starve it.

Examples:
  protolab lab                                          10,000 messages over UDP, then TCP, as fast as possible:
                                                        UDP usually loses some in the receive buffer, TCP none
  protolab lab --loss 5% --reorder 2% --delay 10ms --jitter 5ms --seed 1 --report lab.html
  protolab lab -t udp --count 100000 --rate 20000 --loss 1% --loss-model gilbert --json
  protolab lab -t tcp --slice 1 --delay 5ms             TCP cut into 1-byte pieces: nothing lost or reordered
  protolab lab -t tcp --loss 2%                         TCP loss, modelled as TCP's recovery
  protolab lab --mode rtt --rate 1000 --duration 5s     round-trip latency, as sockperf's ping-pong
  protolab lab --count 1000 --log messages.csv          every message's fate in a CSV
  protolab lab --count 100 --capture lab.pcap           the packets themselves (root): protolab layers --read lab.pcap
  protolab lab --link kernel --loss 10%                 real kernel loss between two namespaces (root):
                                                        TCP retransmits, and the table says how often
  protolab lab serve / protolab lab run --server HOST:PORT    the lab across two hosts, as iperf3`,
    )
    .action(async (flags: LabFlags & { link: 'proxy' | 'kernel' }) => {
      if (flags.link === 'kernel') {
        const { runKernelLabCommand } = await import('../kernel-link/command.js')
        await runKernelLabCommand(flags, io)
        return
      }
      const { runLabCommand } = await import('../lab/command.js')
      await runLabCommand(flags, io)
    })
}
