import { Option } from 'commander'

/** `--capture <file>`: record the session's packets on loopback into a pcap file. */
export function captureOption(
  description = "record the session's packets on loopback with tcpdump or dumpcap (root); read them with 'protolab layers --read'",
): Option {
  return new Option('--capture <file.pcap>', description)
}
