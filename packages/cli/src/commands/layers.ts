import { Command, Option } from 'commander'
import type { CliIO } from '../io.js'
import type { LayersFlags } from '../layers/run.js'
import { encodingOption } from '../options/encoding.js'
import { jsonOption } from '../options/output.js'
import { transportOption } from '../options/transport.js'

/** `protolab layers`: the four layers of the packet a message becomes, byte by byte. */
export function layersCommand(io: CliIO): Command {
  return new Command('layers')
    .description('show the packet a message becomes, layer by layer and byte by byte; or read a capture file')
    .argument('[text...]', 'the message (joined with spaces)')
    .addOption(transportOption())
    .addOption(encodingOption())
    .addOption(
      new Option(
        '--from <ip:port>',
        'source of the packet (default: 127.0.0.1:49152, [::1]:49152 if --to is IPv6)',
      ),
    )
    .addOption(
      new Option(
        '--to <ip:port>',
        'destination of the packet (default: 127.0.0.1:9000, [::1]:9000 if --from is IPv6)',
      ),
    )
    .addOption(new Option('--pcap <file>', 'also write the packet as a pcap file Wireshark opens'))
    .addOption(
      new Option(
        '--read <file>',
        'read a pcap or pcapng file: each packet layer by layer, and what TCP did',
      ).conflicts('pcap'),
    )
    .addOption(jsonOption('print one JSON object (fields with their offsets and lengths)'))
    .addHelpText(
      'after',
      `
The packet is Ethernet II + IPv4 or IPv6 (as the addresses are) + UDP or TCP + the text encoded
with -e, with real checksums. The hex dump marks each byte's layer: colour on a terminal, a letter
(L link, N network, T transport, A application) under each byte when piped.

Examples:
  protolab layers 你好 -e gb2312                      the notes' UDP message on the wire
  protolab layers hello -t tcp --to [::1]:80          TCP over IPv6
  protolab layers hello --pcap hello.pcap             then: wireshark hello.pcap
  protolab layers --read capture.pcap -e gb2312       a capture: four layers a packet, and TCP's story`,
    )
    .action(async (text: string[], flags: LayersFlags) => {
      const { runLayers } = await import('../layers/run.js')
      await runLayers(text, flags, io)
    })
}
