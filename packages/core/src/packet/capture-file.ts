import { InvalidPacketError } from '../errors.js'
import { type CapturedPacket, PCAP_MAGIC_MICROSECONDS, PCAP_MAGIC_NANOSECONDS, readPcap } from './pcap.js'
import { isPcapng, readPcapng } from './pcapng.js'

/** The packets of a capture file, whichever of the two formats it is in. */
export interface CaptureFile {
  readonly format: 'pcap' | 'pcapng'
  readonly packets: CapturedPacket[]
}

/**
 * Reads a classic pcap or a pcapng file, told apart by their first four bytes.
 * @throws InvalidPacketError when the bytes are neither, or are malformed.
 */
export function readCaptureFile(bytes: Uint8Array): CaptureFile {
  if (isPcapng(bytes)) return { format: 'pcapng', packets: readPcapng(bytes).packets }
  if (bytes.length >= 4) {
    const data = new DataView(bytes.buffer, bytes.byteOffset, 4)
    const magics = [data.getUint32(0), data.getUint32(0, true)]
    if (magics.some((magic) => magic === PCAP_MAGIC_MICROSECONDS || magic === PCAP_MAGIC_NANOSECONDS)) {
      return { format: 'pcap', packets: readPcap(bytes).packets }
    }
  }
  throw new InvalidPacketError('not a capture file: neither pcap nor pcapng')
}
