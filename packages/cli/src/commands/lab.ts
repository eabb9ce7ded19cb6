import { Command, Option } from 'commander'
import { UsageError } from '../errors.js'
import type { CliIO } from '../io.js'
import type { LabFlags } from '../lab/command.js'
import { impairmentOptions, labModeOption } from '../lab/flags.js'
import { addRemoteLabCommands } from '../lab-remote/commands.js'
import { ipVersionOptions } from '../options/address.js'
import { captureOption } from '../options/capture.js'
import { flowsOption, pacingOption, parallelOption } from '../options/flows.js'
import { integerOption } from '../options/integer.js'
import { jsonOption } from '../options/output.js'
import { byteCountOption, durationOption } from '../options/units.js'

/** `protolab lab`: the same workload over UDP and TCP, measured, impaired, reported. */
export function labCommand(io: CliIO): Command {
  const command = new Command('lab')
    .description(
      'send numbered messages over UDP, TCP and/or KCP and account for every one: loss, duplicates, reordering, latency',
    )
    .addOption(
      new Option(
        '-t, --transport <name>',
        'udp, tcp, kcp, both (udp and tcp) or all (udp, tcp and kcp): one run each, same seed and workload',
      )
        .choices(['udp', 'tcp', 'kcp', 'both', 'all'])
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
      pacingOption(
        '--rate <rate>',
        'pace each flow: messages/s (500) or a bit rate (30mbit, 1.5gbit), without drift; 0 = as fast as possible (default)',
      ),
    )
    .addOption(parallelOption())
    .addOption(flowsOption())
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
        "auto (default): packet where it can run, else proxy; packet: the kernel's UDP and TCP between two namespaces, every packet through the seeded impairer (Linux: root or user namespaces); proxy: a seeded relay on loopback (no privileges); kernel: namespaces, nftables and tc (Linux, root)",
      )
        .choices(['auto', 'packet', 'proxy', 'kernel'])
        .default('auto'),
    )
    .addOption(
      new Option(
        '--direction <ways>',
        'packet link: impair both ways (default: data and ACKs/echoes alike, as a real path) or forward only',
      ).choices(['forward', 'both']),
    )
  for (const option of ipVersionOptions()) command.addOption(option)
  addRemoteLabCommands(command, io)
  return command
    .addHelpText(
      'after',
      `
Which link carries the messages (--link auto, the default, says under the table which one ran):
  packet  the sender and the receiver in two network namespaces; every Ethernet frame between them
          crosses the seeded impairer, so the kernel's own UDP and TCP (retransmissions, SACK,
          congestion control) meet the same loss, delay, reordering. Linux, as root or through an
          unprivileged user namespace; --direction both (default) impairs both ways, forward only
          the sender's packets. Needs VXLAN in the kernel, ethtool, iproute2, util-linux.
  proxy   a seeded relay on loopback: UDP datagrams impaired one by one, TCP as a byte stream whose
          loss is modelled. Runs anywhere; without impairment flags the ends talk directly.

Examples:
  protolab lab                                          10,000 messages over UDP, then TCP, as fast as possible:
                                                        UDP usually loses some in the receive buffer, TCP none
  protolab lab --loss 5% --reorder 2% --delay 10ms --jitter 5ms --seed 1 --report lab.html
  protolab lab -t udp --count 100000 --rate 20000 --loss 1% --loss-model gilbert --json
  protolab lab -t tcp -P 4                              four TCP flows at once: per-flow rows, aggregate, Jain's index
  protolab lab --flows udp:1@30mbit,tcp:2 --duration 5s one UDP flow at 30 Mbit/s next to two TCP flows
  protolab lab -t tcp --slice 1 --delay 5ms             TCP cut into 1-byte pieces: nothing lost or reordered
  protolab lab -t tcp --loss 2% --delay 10ms            TCP loss on the packet link: the kernel retransmits, the table says how
  protolab lab --link proxy -t tcp --loss 2%            the same on the relay, modelled as retransmission stalls
  protolab lab --mode rtt --rate 1000 --duration 5s     round-trip latency, as sockperf's ping-pong
  protolab lab --count 1000 --log messages.csv          every message's fate in a CSV
  protolab lab --count 100 --capture lab.pcap           the packets themselves: protolab layers --read lab.pcap
  protolab lab --link kernel --loss 10%                 real kernel loss between two namespaces (root):
                                                        TCP retransmits, and the table says how often
  protolab lab serve / protolab lab run --server HOST:PORT    the lab across two hosts, as iperf3`,
    )
    .action(async (flags: LabFlags) => {
      if (flags.direction !== undefined && flags.link !== 'packet' && flags.link !== 'auto') {
        throw new UsageError('--direction applies to the packet link only (--link packet or auto)')
      }
      if (flags.link === 'kernel') {
        if (flags.parallel !== undefined || flags.flows !== undefined) {
          const { UsageError } = await import('../errors.js')
          throw new UsageError('--parallel and --flows do not go with --link kernel yet', {
            hint: 'run them on the relay link (--link proxy, the default)',
          })
        }
        const { runKernelLabCommand } = await import('../kernel-link/command.js')
        await runKernelLabCommand(flags, io)
        return
      }
      const { runLabCommand } = await import('../lab/command.js')
      await runLabCommand(flags, io)
    })
}
