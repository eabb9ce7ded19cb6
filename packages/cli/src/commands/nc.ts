import { Command, Option } from 'commander'
import type { CliIO } from '../io.js'
import type { NcOptions } from '../nc/run.js'
import { ipVersionOptions } from '../options/address.js'
import { integerOption } from '../options/integer.js'
import { outputOption, rawOption } from '../options/output.js'

/** `protolab nc`: the flags people type from memory for nc, on protolab's two-way session. */
export function ncCommand(io: CliIO): Command {
  const command = new Command('nc')
    .description('netcat: standard input to a peer and the peer to standard output, at the same time')
    .argument('[host]', 'the peer to connect to; with -l, the local address to listen on (default 127.0.0.1)')
    .argument('[port]', 'its port; with -z, a port or a range (9000-9010)')
    .option('-u, --udp', 'UDP instead of TCP')
    .option('-l, --listen', 'wait for a peer instead of connecting')
    .addOption(
      integerOption(
        '-p, --source-port <port>',
        'listening: the port to listen on; else the local port to connect from',
        {
          min: 0,
          max: 65_535,
        },
      ),
    )
    .option('-k, --keep', 'with -l: keep listening once a peer leaves; serves several peers at once')
    .option('-v, --verbose', 'say on stderr where it listens, who connects and who leaves')
    .addOption(
      integerOption(
        '-w, --wait <seconds>',
        'give up connecting after this long, and end once nothing has moved for this long',
        {
          min: 1,
          max: 2_147_483,
        },
      ),
    )
    .option(
      '-N, --shutdown',
      'TCP: at end of input, half-close (shutdown SHUT_WR) and keep printing until the peer closes',
    )
    .option(
      '-z, --scan',
      'only check whether the port (or ports) accept a TCP connection: exit 0 open, 1 closed',
    )
    .addOption(
      new Option(
        '-e, --encoding <name>',
        "text mode: input (UTF-8) is sent in this encoding and what arrives is decoded from it (see 'protolab encodings')",
      ),
    )
    .addOption(
      outputOption(
        'bytes: what arrives, unchanged (the default when stdout is not a terminal); text: decoded, control characters made visible on a terminal (the default there, and with -e)',
      ),
    )
    .addOption(rawOption())
  for (const option of ipVersionOptions()) command.addOption(option)
  return command
    .addHelpText(
      'after',
      `
How it differs from OpenBSD nc:
  -l listens on 127.0.0.1 (::1 with -6) unless a host is given; nc listens on every interface.
  -e is the text encoding (nc: IPsec policy; ncat: a program to run). No program is ever run.
  Output to a terminal is text with control characters made visible; piped, it is byte-exact.
  -k serves several peers at once, standard input going to all of them.
  -z checks TCP ports only; ports are numbers (no service names).
  Not supported: -c -C -d -D -F -I -M -O -P -q -r -s -S -T -U -x -X.
The other commands keep their meaning: listen, send and chat print with senders, nc prints bytes.

Examples:
  protolab nc -l 9000 > received.bin                          receive a file ...
  protolab nc -N 127.0.0.1 9000 < file.bin                     ... and send it
  printf 'GET / HTTP/1.0\\r\\n\\r\\n' | protolab nc 127.0.0.1 8000   an HTTP request and its reply
  protolab nc -u -e gb2312 127.0.0.1 9000                      the notes' GB2312 chat, as nc
  protolab nc -z -v 127.0.0.1 8000-8010                        which ports are open`,
    )
    .action(
      async (host: string | undefined, port: string | undefined, flags: Omit<NcOptions, 'host' | 'port'>) => {
        const { runNc } = await import('../nc/run.js')
        await runNc({ host, port, ...flags }, io)
      },
    )
}
