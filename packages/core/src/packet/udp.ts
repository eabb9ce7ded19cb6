import { InvalidPacketError } from '../errors.js'
import { ByteView, checkUint, outputBuffer, requireLength } from './_bytes.js'
import {
  addressBytes,
  type IpAddresses,
  IpProtocol,
  internetChecksum,
  isChecksumValid,
  pseudoHeaderSum,
} from './checksum.js'

/** Length of a UDP header. */
export const UDP_HEADER_LENGTH = 8
/** The largest UDP datagram, header included: the length field is 16 bits. */
export const UDP_MAX_LENGTH = 65535

/**
 * A zero-copy view of a UDP datagram (RFC 768).
 *
 * Accessors read the bytes in place and do not check bounds. After {@link UdpView.checkLength}
 * returns, every accessor stays within the bytes: the header and the `length` it states fit.
 */
export class UdpView extends ByteView {
  /** Byte offsets of the fields. */
  static readonly field = { SOURCE_PORT: 0, DESTINATION_PORT: 2, LENGTH: 4, CHECKSUM: 6, PAYLOAD: 8 } as const

  /**
   * Ensures the bytes hold the header and the `length` the header states (at least 8).
   * Trailing bytes beyond `length` are allowed and excluded from {@link UdpView.payload}.
   * @throws InvalidPacketError naming what is wrong.
   */
  checkLength(): this {
    requireLength('a UDP header', this.bytes, UDP_HEADER_LENGTH)
    const length = this.length
    if (length < UDP_HEADER_LENGTH)
      throw new InvalidPacketError(`UDP length ${length} is below the header's 8 bytes`)
    if (length > this.bytes.length) {
      throw new InvalidPacketError(`UDP length ${length} is beyond the ${this.bytes.length} bytes available`)
    }
    return this
  }

  get sourcePort(): number {
    return this.u16(UdpView.field.SOURCE_PORT)
  }
  set sourcePort(value: number) {
    checkUint('sourcePort', value, 16)
    this.setU16(UdpView.field.SOURCE_PORT, value)
  }
  get destinationPort(): number {
    return this.u16(UdpView.field.DESTINATION_PORT)
  }
  set destinationPort(value: number) {
    checkUint('destinationPort', value, 16)
    this.setU16(UdpView.field.DESTINATION_PORT, value)
  }
  /** The datagram's length in bytes, header included. */
  get length(): number {
    return this.u16(UdpView.field.LENGTH)
  }
  set length(value: number) {
    checkUint('length', value, 16)
    this.setU16(UdpView.field.LENGTH, value)
  }
  /** The checksum as stored; 0 means "none" over IPv4. */
  get checksum(): number {
    return this.u16(UdpView.field.CHECKSUM)
  }
  set checksum(value: number) {
    checkUint('checksum', value, 16)
    this.setU16(UdpView.field.CHECKSUM, value)
  }
  /** The bytes the length covers: header and payload. */
  get datagram(): Uint8Array {
    return this.bytes.subarray(0, this.length)
  }
  get payload(): Uint8Array {
    return this.bytes.subarray(UDP_HEADER_LENGTH, this.length)
  }

  /**
   * True when the checksum over the pseudo-header and datagram is correct, or is 0 (not used) over
   * IPv4. Over IPv6 the checksum is mandatory, so 0 is invalid (RFC 8200 section 8.1).
   */
  verifyChecksum(source: Uint8Array, destination: Uint8Array): boolean {
    if (this.checksum === 0) return source.length === 4
    return isChecksumValid(this.datagram, pseudoHeaderSum(source, destination, IpProtocol.UDP, this.length))
  }

  /** Computes the checksum over the pseudo-header and datagram and writes it (0 is sent as 0xffff). */
  fillChecksum(source: Uint8Array, destination: Uint8Array): void {
    this.checksum = 0
    const sum = internetChecksum(
      this.datagram,
      pseudoHeaderSum(source, destination, IpProtocol.UDP, this.length),
    )
    this.checksum = sum === 0 ? 0xffff : sum
  }
}

/** A UDP header as values. The length and checksum are computed by `emit`. */
export interface UdpHeader {
  readonly sourcePort: number
  readonly destinationPort: number
}

/** What {@link UdpHeader.parse} returns. */
export interface ParsedUdp {
  readonly header: UdpHeader
  /** The payload up to the stated length, a view into the input. */
  readonly payload: Uint8Array
  readonly length: number
  /** The checksum as received (0: none, over IPv4). */
  readonly checksum: number
  /** Whether the checksum is correct; false is reported rather than thrown, as captures may hold offloaded checksums. */
  readonly checksumValid: boolean
}

/** Parse, emit and size UDP headers. */
export const UdpHeader = {
  /**
   * Reads a UDP datagram into a validated header and payload, verifying its checksum against the
   * pseudo-header built from `addresses`.
   * @throws InvalidPacketError when the bytes are truncated or the length field is impossible.
   */
  parse(bytes: Uint8Array, addresses: IpAddresses): ParsedUdp {
    const view = new UdpView(bytes).checkLength()
    const { source, destination } = addressBytes(addresses)
    return {
      header: { sourcePort: view.sourcePort, destinationPort: view.destinationPort },
      payload: view.payload,
      length: view.length,
      checksum: view.checksum,
      checksumValid: view.verifyChecksum(source, destination),
    }
  },

  /** Bytes needed to emit a datagram with a payload of `payloadLength` bytes. */
  bufferLength(_header: UdpHeader, payloadLength = 0): number {
    return UDP_HEADER_LENGTH + payloadLength
  },

  /**
   * Writes the header (with length and checksum) and the payload into `target` (or a new array).
   * `addresses` are the IP source and destination the checksum's pseudo-header covers.
   * @throws InvalidArgumentError for ports out of range or a datagram over 65535 bytes;
   * InvalidAddressError for invalid addresses.
   */
  emit(header: UdpHeader, payload: Uint8Array, addresses: IpAddresses, target?: Uint8Array): Uint8Array {
    const { source, destination } = addressBytes(addresses)
    const length = UDP_HEADER_LENGTH + payload.length
    checkUint('UDP length', length, 16)
    const out = outputBuffer(length, target)
    const view = new UdpView(out)
    view.sourcePort = header.sourcePort
    view.destinationPort = header.destinationPort
    view.length = length
    out.set(payload, UDP_HEADER_LENGTH)
    view.fillChecksum(source, destination)
    return out
  },
}
