import { InvalidArgumentError } from '../errors.js'
import { ByteView, checkUint, outputBuffer, requireLength } from './_bytes.js'

/**
 * Linux "cooked" capture headers, which `tcpdump -i any` writes instead of a link-layer header:
 * SLL (link type 113, 16 bytes) and SLL2 (link type 276, 20 bytes, adds the interface index).
 * See https://www.tcpdump.org/linktypes/LINKTYPE_LINUX_SLL.html and LINKTYPE_LINUX_SLL2.html.
 */

/** The direction of a packet as the kernel saw it (the `packet type` field). */
export const SllPacketType = {
  HOST: 0,
  BROADCAST: 1,
  MULTICAST: 2,
  OTHER_HOST: 3,
  OUTGOING: 4,
} as const

/** Names of {@link SllPacketType} values, for display. */
export const SLL_PACKET_TYPE_NAMES: Readonly<Record<number, string>> = {
  0: 'unicast to us',
  1: 'broadcast',
  2: 'multicast',
  3: 'unicast to another host',
  4: 'sent by us',
}

/** Length of an SLL (v1) header. */
export const SLL_HEADER_LENGTH = 16
/** Length of an SLL2 header. */
export const SLL2_HEADER_LENGTH = 20
/** The address field holds at most 8 bytes; longer addresses are cut to 8 by the kernel. */
export const SLL_ADDRESS_FIELD_LENGTH = 8

/**
 * A zero-copy view of an SLL (v1) header. After {@link SllView.checkLength} returns, no accessor
 * reads or writes out of bounds.
 */
export class SllView extends ByteView {
  /** Byte offsets of the fields. */
  static readonly field = {
    PACKET_TYPE: 0,
    ARPHRD_TYPE: 2,
    ADDRESS_LENGTH: 4,
    ADDRESS: 6,
    PROTOCOL: 14,
    PAYLOAD: 16,
  } as const

  /** @throws InvalidPacketError when the bytes are shorter than a header. */
  checkLength(): this {
    requireLength('a Linux cooked (SLL) header', this.bytes, SLL_HEADER_LENGTH)
    return this
  }
  get packetType(): number {
    return this.u16(SllView.field.PACKET_TYPE)
  }
  set packetType(value: number) {
    checkUint('packetType', value, 16)
    this.setU16(SllView.field.PACKET_TYPE, value)
  }
  /** The ARPHRD_ type of the interface (1 Ethernet, 772 loopback, ...). */
  get arphrdType(): number {
    return this.u16(SllView.field.ARPHRD_TYPE)
  }
  set arphrdType(value: number) {
    checkUint('arphrdType', value, 16)
    this.setU16(SllView.field.ARPHRD_TYPE, value)
  }
  get addressLength(): number {
    return this.u16(SllView.field.ADDRESS_LENGTH)
  }
  set addressLength(value: number) {
    checkUint('addressLength', value, 16)
    this.setU16(SllView.field.ADDRESS_LENGTH, value)
  }
  /** The link-layer source address: the first `addressLength` bytes of the field, at most 8. */
  get address(): Uint8Array {
    const start = SllView.field.ADDRESS
    return this.bytes.subarray(start, start + Math.min(this.addressLength, SLL_ADDRESS_FIELD_LENGTH))
  }
  /** The protocol of the payload: an EtherType for IPv4 and IPv6. */
  get protocol(): number {
    return this.u16(SllView.field.PROTOCOL)
  }
  set protocol(value: number) {
    checkUint('protocol', value, 16)
    this.setU16(SllView.field.PROTOCOL, value)
  }
  get payload(): Uint8Array {
    return this.bytes.subarray(SllView.field.PAYLOAD)
  }
}

/**
 * A zero-copy view of an SLL2 header. After {@link Sll2View.checkLength} returns, no accessor
 * reads or writes out of bounds.
 */
export class Sll2View extends ByteView {
  /** Byte offsets of the fields. */
  static readonly field = {
    PROTOCOL: 0,
    RESERVED: 2,
    INTERFACE_INDEX: 4,
    ARPHRD_TYPE: 8,
    PACKET_TYPE: 10,
    ADDRESS_LENGTH: 11,
    ADDRESS: 12,
    PAYLOAD: 20,
  } as const

  /** @throws InvalidPacketError when the bytes are shorter than a header. */
  checkLength(): this {
    requireLength('a Linux cooked (SLL2) header', this.bytes, SLL2_HEADER_LENGTH)
    return this
  }
  get protocol(): number {
    return this.u16(Sll2View.field.PROTOCOL)
  }
  set protocol(value: number) {
    checkUint('protocol', value, 16)
    this.setU16(Sll2View.field.PROTOCOL, value)
  }
  get interfaceIndex(): number {
    return this.u32(Sll2View.field.INTERFACE_INDEX)
  }
  set interfaceIndex(value: number) {
    checkUint('interfaceIndex', value, 32)
    this.setU32(Sll2View.field.INTERFACE_INDEX, value)
  }
  get arphrdType(): number {
    return this.u16(Sll2View.field.ARPHRD_TYPE)
  }
  set arphrdType(value: number) {
    checkUint('arphrdType', value, 16)
    this.setU16(Sll2View.field.ARPHRD_TYPE, value)
  }
  get packetType(): number {
    return this.u8(Sll2View.field.PACKET_TYPE)
  }
  set packetType(value: number) {
    checkUint('packetType', value, 8)
    this.setU8(Sll2View.field.PACKET_TYPE, value)
  }
  get addressLength(): number {
    return this.u8(Sll2View.field.ADDRESS_LENGTH)
  }
  set addressLength(value: number) {
    checkUint('addressLength', value, 8)
    this.setU8(Sll2View.field.ADDRESS_LENGTH, value)
  }
  /** The link-layer source address: the first `addressLength` bytes of the field, at most 8. */
  get address(): Uint8Array {
    const start = Sll2View.field.ADDRESS
    return this.bytes.subarray(start, start + Math.min(this.addressLength, SLL_ADDRESS_FIELD_LENGTH))
  }
  get payload(): Uint8Array {
    return this.bytes.subarray(Sll2View.field.PAYLOAD)
  }
}

/** A Linux cooked header as values; `version` 1 is SLL, 2 is SLL2 (which adds `interfaceIndex`). */
export interface SllHeader {
  readonly version: 1 | 2
  readonly packetType: number
  readonly arphrdType: number
  /** The source link-layer address as stored (at most 8 bytes). */
  readonly address: Uint8Array
  /** The address length the kernel reported; above 8 when the address was cut. Defaults to `address.length`. */
  readonly addressLength?: number
  readonly protocol: number
  /** SLL2 only: the index of the interface the packet was seen on. */
  readonly interfaceIndex?: number
}

/** What {@link SllHeader.parse} returns. */
export interface ParsedSll {
  readonly header: SllHeader
  readonly payload: Uint8Array
}

/** Parse, emit and size Linux cooked (SLL and SLL2) headers. */
export const SllHeader = {
  /**
   * Reads an SLL (`version` 1) or SLL2 (`version` 2) header and its payload.
   * @throws InvalidPacketError when the bytes are shorter than the header.
   */
  parse(bytes: Uint8Array, version: 1 | 2): ParsedSll {
    if (version === 1) {
      const view = new SllView(bytes).checkLength()
      return {
        header: {
          version,
          packetType: view.packetType,
          arphrdType: view.arphrdType,
          address: view.address,
          addressLength: view.addressLength,
          protocol: view.protocol,
        },
        payload: view.payload,
      }
    }
    const view = new Sll2View(bytes).checkLength()
    return {
      header: {
        version,
        packetType: view.packetType,
        arphrdType: view.arphrdType,
        address: view.address,
        addressLength: view.addressLength,
        protocol: view.protocol,
        interfaceIndex: view.interfaceIndex,
      },
      payload: view.payload,
    }
  },

  /** Bytes needed to emit `header` with a payload of `payloadLength` bytes. */
  bufferLength(header: SllHeader, payloadLength = 0): number {
    return (header.version === 1 ? SLL_HEADER_LENGTH : SLL2_HEADER_LENGTH) + payloadLength
  },

  /**
   * Writes the header and payload into `target` (or a new array) and returns the bytes.
   * @throws InvalidArgumentError for values that do not fit their fields.
   */
  emit(header: SllHeader, payload: Uint8Array = new Uint8Array(0), target?: Uint8Array): Uint8Array {
    if (header.address.length > SLL_ADDRESS_FIELD_LENGTH) {
      throw new InvalidArgumentError(`an SLL address holds at most 8 bytes, got ${header.address.length}`)
    }
    const addressLength = header.addressLength ?? header.address.length
    const out = outputBuffer(SllHeader.bufferLength(header, payload.length), target)
    out.fill(0, 0, out.length - payload.length)
    if (header.version === 1) {
      const view = new SllView(out)
      view.packetType = header.packetType
      view.arphrdType = header.arphrdType
      view.addressLength = addressLength
      out.set(header.address, SllView.field.ADDRESS)
      view.protocol = header.protocol
      out.set(payload, SllView.field.PAYLOAD)
      return out
    }
    const view = new Sll2View(out)
    view.protocol = header.protocol
    view.interfaceIndex = header.interfaceIndex ?? 0
    view.arphrdType = header.arphrdType
    view.packetType = header.packetType
    view.addressLength = addressLength
    out.set(header.address, Sll2View.field.ADDRESS)
    out.set(payload, Sll2View.field.PAYLOAD)
    return out
  },
}
