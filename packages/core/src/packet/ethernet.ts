import { InvalidAddressError } from '../errors.js'
import { ByteView, checkUint, outputBuffer, requireLength, toHex } from './_bytes.js'

/** EtherType values (what the frame carries) that protolab's codecs know. */
export const EtherType = {
  IPV4: 0x0800,
  ARP: 0x0806,
  VLAN: 0x8100,
  IPV6: 0x86dd,
} as const

/** The length of an Ethernet II header: two MAC addresses and the EtherType. */
export const ETHERNET_HEADER_LENGTH = 14

const MAC_TEXT = /^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/

/**
 * Parses a MAC address written as six colon-separated hex bytes (`02:00:00:00:00:01`).
 * @throws InvalidAddressError for anything else.
 */
export function parseMacAddress(text: string): Uint8Array {
  if (!MAC_TEXT.test(text)) {
    throw new InvalidAddressError(
      `invalid MAC address "${text}": expected six hex bytes like 02:00:00:00:00:01`,
    )
  }
  return Uint8Array.from(text.split(':'), (part) => Number.parseInt(part, 16))
}

/** Formats link-layer address bytes as lowercase colon-separated hex. */
export function formatMacAddress(bytes: Uint8Array): string {
  return toHex(bytes, ':')
}

/**
 * A zero-copy view of an Ethernet II frame (no preamble, no frame check sequence: what captures hold).
 *
 * Accessors read the bytes in place and do not check bounds; after {@link EthernetView.checkLength}
 * returns, none of them reads or writes out of bounds.
 */
export class EthernetView extends ByteView {
  /** Byte offsets of the fields. */
  static readonly field = { DESTINATION: 0, SOURCE: 6, ETHERTYPE: 12, PAYLOAD: 14 } as const

  /**
   * Ensures the bytes hold a whole header, so no accessor reads out of bounds.
   * @throws InvalidPacketError when they do not.
   */
  checkLength(): this {
    requireLength('an Ethernet II header', this.bytes, ETHERNET_HEADER_LENGTH)
    return this
  }

  get destination(): Uint8Array {
    return this.bytes.subarray(EthernetView.field.DESTINATION, EthernetView.field.SOURCE)
  }
  get source(): Uint8Array {
    return this.bytes.subarray(EthernetView.field.SOURCE, EthernetView.field.ETHERTYPE)
  }
  get etherType(): number {
    return this.u16(EthernetView.field.ETHERTYPE)
  }
  set etherType(value: number) {
    checkUint('etherType', value, 16)
    this.setU16(EthernetView.field.ETHERTYPE, value)
  }
  /** Everything after the header (any padding up to the 60-byte minimum included). */
  get payload(): Uint8Array {
    return this.bytes.subarray(EthernetView.field.PAYLOAD)
  }
}

/** An Ethernet II header as values: addresses as `02:00:00:00:00:01` text. */
export interface EthernetHeader {
  readonly destination: string
  readonly source: string
  readonly etherType: number
}

/** What {@link EthernetHeader.parse} returns. */
export interface ParsedEthernet {
  readonly header: EthernetHeader
  /** The bytes after the header, a view into the input. */
  readonly payload: Uint8Array
}

/** Parse, emit and size Ethernet II headers. */
export const EthernetHeader = {
  /**
   * Reads a frame into a validated header and its payload.
   * @throws InvalidPacketError when the bytes are shorter than a header.
   */
  parse(bytes: Uint8Array): ParsedEthernet {
    const view = new EthernetView(bytes).checkLength()
    return {
      header: {
        destination: formatMacAddress(view.destination),
        source: formatMacAddress(view.source),
        etherType: view.etherType,
      },
      payload: view.payload,
    }
  },

  /** Bytes needed to emit `header` with a payload of `payloadLength` bytes. */
  bufferLength(_header: EthernetHeader, payloadLength = 0): number {
    return ETHERNET_HEADER_LENGTH + payloadLength
  },

  /**
   * Writes the header and payload into `target` (or a new array) and returns the frame's bytes.
   * Frames shorter than Ethernet's 60-byte minimum are not padded, as captures of outgoing frames show.
   * @throws InvalidAddressError or InvalidArgumentError for invalid header values.
   */
  emit(header: EthernetHeader, payload: Uint8Array = new Uint8Array(0), target?: Uint8Array): Uint8Array {
    const destination = parseMacAddress(header.destination)
    const source = parseMacAddress(header.source)
    checkUint('etherType', header.etherType, 16)
    const out = outputBuffer(ETHERNET_HEADER_LENGTH + payload.length, target)
    const view = new EthernetView(out)
    out.set(destination, EthernetView.field.DESTINATION)
    out.set(source, EthernetView.field.SOURCE)
    view.etherType = header.etherType
    out.set(payload, EthernetView.field.PAYLOAD)
    return out
  },
}
