import { formatIPv4, parseIPv4 } from '../address/ipv4.js'
import { InvalidArgumentError, InvalidPacketError } from '../errors.js'
import { ByteView, checkUint, outputBuffer, requireLength } from './_bytes.js'
import { internetChecksum, isChecksumValid } from './checksum.js'

/** Length of an IPv4 header without options. */
export const IPV4_MIN_HEADER_LENGTH = 20
/** Length of an IPv4 header with the most options (IHL 15). */
export const IPV4_MAX_HEADER_LENGTH = 60
/** The largest IPv4 packet: the total length field is 16 bits. */
export const IPV4_MAX_PACKET_LENGTH = 65535

const FLAG_RESERVED = 0x8000
const FLAG_DONT_FRAGMENT = 0x4000
const FLAG_MORE_FRAGMENTS = 0x2000
const FRAGMENT_OFFSET_MASK = 0x1fff

/**
 * A zero-copy view of an IPv4 packet (RFC 791).
 *
 * Accessors read the bytes in place and do not check bounds. After {@link Ipv4View.checkLength}
 * returns, every accessor stays within the bytes: the header, its options and `totalLength` all fit.
 */
export class Ipv4View extends ByteView {
  /** Byte offsets of the fields. */
  static readonly field = {
    VERSION_IHL: 0,
    DSCP_ECN: 1,
    TOTAL_LENGTH: 2,
    IDENTIFICATION: 4,
    FLAGS_FRAGMENT: 6,
    TTL: 8,
    PROTOCOL: 9,
    CHECKSUM: 10,
    SOURCE: 12,
    DESTINATION: 16,
    OPTIONS: 20,
  } as const

  /**
   * Ensures the bytes hold a whole IPv4 packet: version 4, a header length of 20-60 bytes that fits,
   * and a total length between the header length and the bytes available (trailing bytes, such as
   * Ethernet padding, are allowed and excluded from {@link Ipv4View.payload}).
   * @throws InvalidPacketError naming what is wrong.
   */
  checkLength(): this {
    requireLength('an IPv4 header', this.bytes, IPV4_MIN_HEADER_LENGTH)
    if (this.version !== 4) throw new InvalidPacketError(`IPv4 version field is ${this.version}, expected 4`)
    const headerLength = this.headerLength
    if (headerLength < IPV4_MIN_HEADER_LENGTH) {
      throw new InvalidPacketError(`IPv4 header length ${headerLength} is below the minimum of 20`)
    }
    requireLength('the IPv4 header with its options', this.bytes, headerLength)
    const totalLength = this.totalLength
    if (totalLength < headerLength) {
      throw new InvalidPacketError(
        `IPv4 total length ${totalLength} is shorter than its header (${headerLength})`,
      )
    }
    if (totalLength > this.bytes.length) {
      throw new InvalidPacketError(
        `IPv4 total length ${totalLength} is beyond the ${this.bytes.length} bytes available`,
      )
    }
    return this
  }

  get version(): number {
    return this.u8(Ipv4View.field.VERSION_IHL) >> 4
  }
  /** The header length in bytes (the IHL field times 4). */
  get headerLength(): number {
    return (this.u8(Ipv4View.field.VERSION_IHL) & 0x0f) * 4
  }
  /** Sets version 4 and the header length in bytes (a multiple of 4 in 20-60). */
  set headerLength(bytes: number) {
    if (
      !Number.isInteger(bytes) ||
      bytes % 4 !== 0 ||
      bytes < IPV4_MIN_HEADER_LENGTH ||
      bytes > IPV4_MAX_HEADER_LENGTH
    ) {
      throw new InvalidArgumentError(`IPv4 header length must be a multiple of 4 in 20-60, got ${bytes}`)
    }
    this.setU8(Ipv4View.field.VERSION_IHL, 0x40 | (bytes / 4))
  }
  /** Differentiated services code point (6 bits). */
  get dscp(): number {
    return this.u8(Ipv4View.field.DSCP_ECN) >> 2
  }
  set dscp(value: number) {
    checkUint('dscp', value, 6)
    this.setU8(Ipv4View.field.DSCP_ECN, (value << 2) | this.ecn)
  }
  /** Explicit congestion notification (2 bits). */
  get ecn(): number {
    return this.u8(Ipv4View.field.DSCP_ECN) & 0x03
  }
  set ecn(value: number) {
    checkUint('ecn', value, 2)
    this.setU8(Ipv4View.field.DSCP_ECN, (this.dscp << 2) | value)
  }
  get totalLength(): number {
    return this.u16(Ipv4View.field.TOTAL_LENGTH)
  }
  set totalLength(value: number) {
    checkUint('totalLength', value, 16)
    this.setU16(Ipv4View.field.TOTAL_LENGTH, value)
  }
  get identification(): number {
    return this.u16(Ipv4View.field.IDENTIFICATION)
  }
  set identification(value: number) {
    checkUint('identification', value, 16)
    this.setU16(Ipv4View.field.IDENTIFICATION, value)
  }
  /** The three flag bits and the fragment offset as one 16-bit word. */
  get flagsAndFragment(): number {
    return this.u16(Ipv4View.field.FLAGS_FRAGMENT)
  }
  /** The reserved ("evil") bit: must be zero. */
  get reservedFlag(): boolean {
    return (this.flagsAndFragment & FLAG_RESERVED) !== 0
  }
  get dontFragment(): boolean {
    return (this.flagsAndFragment & FLAG_DONT_FRAGMENT) !== 0
  }
  set dontFragment(value: boolean) {
    this.setFlag(FLAG_DONT_FRAGMENT, value)
  }
  get moreFragments(): boolean {
    return (this.flagsAndFragment & FLAG_MORE_FRAGMENTS) !== 0
  }
  set moreFragments(value: boolean) {
    this.setFlag(FLAG_MORE_FRAGMENTS, value)
  }
  /** Where this fragment's data starts in the original payload, in bytes (a multiple of 8). */
  get fragmentOffset(): number {
    return (this.flagsAndFragment & FRAGMENT_OFFSET_MASK) * 8
  }
  set fragmentOffset(bytes: number) {
    if (!Number.isInteger(bytes) || bytes < 0 || bytes % 8 !== 0 || bytes / 8 > FRAGMENT_OFFSET_MASK) {
      throw new InvalidArgumentError(`fragmentOffset must be a multiple of 8 in 0-65528 bytes, got ${bytes}`)
    }
    this.setU16(Ipv4View.field.FLAGS_FRAGMENT, (this.flagsAndFragment & ~FRAGMENT_OFFSET_MASK) | (bytes / 8))
  }
  get ttl(): number {
    return this.u8(Ipv4View.field.TTL)
  }
  set ttl(value: number) {
    checkUint('ttl', value, 8)
    this.setU8(Ipv4View.field.TTL, value)
  }
  get protocol(): number {
    return this.u8(Ipv4View.field.PROTOCOL)
  }
  set protocol(value: number) {
    checkUint('protocol', value, 8)
    this.setU8(Ipv4View.field.PROTOCOL, value)
  }
  get checksum(): number {
    return this.u16(Ipv4View.field.CHECKSUM)
  }
  set checksum(value: number) {
    checkUint('checksum', value, 16)
    this.setU16(Ipv4View.field.CHECKSUM, value)
  }
  get source(): Uint8Array {
    return this.bytes.subarray(Ipv4View.field.SOURCE, Ipv4View.field.SOURCE + 4)
  }
  get destination(): Uint8Array {
    return this.bytes.subarray(Ipv4View.field.DESTINATION, Ipv4View.field.DESTINATION + 4)
  }
  /** The option bytes between the fixed header and the payload (padding included). */
  get options(): Uint8Array {
    return this.bytes.subarray(Ipv4View.field.OPTIONS, this.headerLength)
  }
  /** The bytes the header covers: the fixed header and its options. */
  get header(): Uint8Array {
    return this.bytes.subarray(0, this.headerLength)
  }
  /** The payload: from the end of the header to `totalLength`. */
  get payload(): Uint8Array {
    return this.bytes.subarray(this.headerLength, this.totalLength)
  }

  /** True when the header checksum is correct. */
  verifyChecksum(): boolean {
    return isChecksumValid(this.header)
  }
  /** Computes the header checksum and writes it into the checksum field. */
  fillChecksum(): void {
    this.checksum = 0
    this.checksum = internetChecksum(this.header)
  }

  private setFlag(flag: number, value: boolean): void {
    const word = this.flagsAndFragment
    this.setU16(Ipv4View.field.FLAGS_FRAGMENT, value ? word | flag : word & ~flag)
  }
}

/** An IPv4 header as values. Lengths and the checksum are computed by `emit`. */
export interface Ipv4Header {
  readonly dscp: number
  readonly ecn: number
  readonly identification: number
  readonly dontFragment: boolean
  readonly moreFragments: boolean
  /** In bytes, a multiple of 8. */
  readonly fragmentOffset: number
  readonly ttl: number
  /** The payload's protocol: 6 TCP, 17 UDP (see {@link IpProtocol}). */
  readonly protocol: number
  /** Dotted decimal. */
  readonly source: string
  readonly destination: string
  /** Raw option bytes, padded to a multiple of 4 (at most 40). Empty for none. */
  readonly options: Uint8Array
}

/** What {@link Ipv4Header.parse} returns. */
export interface ParsedIpv4 {
  readonly header: Ipv4Header
  /** The payload up to the total length (not any padding after it), a view into the input. */
  readonly payload: Uint8Array
  readonly headerLength: number
  readonly totalLength: number
  /** The checksum as received. */
  readonly checksum: number
  /** Whether the checksum is correct; false is reported rather than thrown, as captures may hold offloaded checksums. */
  readonly checksumValid: boolean
  /** The reserved flag bit, which should be zero. */
  readonly reservedFlag: boolean
}

/** Parse, emit and size IPv4 headers. */
export const Ipv4Header = {
  /**
   * Reads an IPv4 packet into a validated header and its payload, verifying the header checksum.
   * @throws InvalidPacketError when the bytes are truncated or not IPv4.
   */
  parse(bytes: Uint8Array): ParsedIpv4 {
    const view = new Ipv4View(bytes).checkLength()
    return {
      header: {
        dscp: view.dscp,
        ecn: view.ecn,
        identification: view.identification,
        dontFragment: view.dontFragment,
        moreFragments: view.moreFragments,
        fragmentOffset: view.fragmentOffset,
        ttl: view.ttl,
        protocol: view.protocol,
        source: formatIPv4(view.source),
        destination: formatIPv4(view.destination),
        options: view.options,
      },
      payload: view.payload,
      headerLength: view.headerLength,
      totalLength: view.totalLength,
      checksum: view.checksum,
      checksumValid: view.verifyChecksum(),
      reservedFlag: view.reservedFlag,
    }
  },

  /** The header's length in bytes: 20 plus its options. */
  headerLength(header: Ipv4Header): number {
    return IPV4_MIN_HEADER_LENGTH + header.options.length
  },

  /** Bytes needed to emit `header` with a payload of `payloadLength` bytes. */
  bufferLength(header: Ipv4Header, payloadLength = 0): number {
    return Ipv4Header.headerLength(header) + payloadLength
  },

  /**
   * Writes the header (with its total length and checksum) and the payload into `target` (or a new
   * array) and returns the packet's bytes.
   * @throws InvalidArgumentError or InvalidAddressError for values that do not fit their fields,
   * options that are not a multiple of 4 or over 40 bytes, or a packet over 65535 bytes.
   */
  emit(header: Ipv4Header, payload: Uint8Array = new Uint8Array(0), target?: Uint8Array): Uint8Array {
    const source = parseIPv4(header.source)
    const destination = parseIPv4(header.destination)
    const headerLength = Ipv4Header.headerLength(header)
    if (header.options.length % 4 !== 0 || headerLength > IPV4_MAX_HEADER_LENGTH) {
      throw new InvalidArgumentError(
        `IPv4 options must be a multiple of 4 bytes and at most 40, got ${header.options.length}`,
      )
    }
    const totalLength = headerLength + payload.length
    if (totalLength > IPV4_MAX_PACKET_LENGTH) {
      throw new InvalidArgumentError(
        `an IPv4 packet holds at most 65535 bytes, this one would be ${totalLength}`,
      )
    }
    const out = outputBuffer(totalLength, target)
    out.fill(0, 0, headerLength)
    const view = new Ipv4View(out)
    view.headerLength = headerLength
    view.dscp = header.dscp
    view.ecn = header.ecn
    view.totalLength = totalLength
    view.identification = header.identification
    view.dontFragment = header.dontFragment
    view.moreFragments = header.moreFragments
    view.fragmentOffset = header.fragmentOffset
    view.ttl = header.ttl
    view.protocol = header.protocol
    out.set(source, Ipv4View.field.SOURCE)
    out.set(destination, Ipv4View.field.DESTINATION)
    out.set(header.options, Ipv4View.field.OPTIONS)
    out.set(payload, headerLength)
    view.fillChecksum()
    return out
  },
}

/** One IPv4 option, decoded for display. */
export interface Ipv4Option {
  readonly type: number
  readonly name: string
  /** Offset within the options bytes. */
  readonly offset: number
  /** Length in bytes, the type byte included. */
  readonly length: number
  readonly data: Uint8Array
}

const IPV4_OPTION_NAMES: Readonly<Record<number, string>> = {
  0: 'End of Option List',
  1: 'No-Operation',
  7: 'Record Route',
  68: 'Timestamp',
  130: 'Security',
  131: 'Loose Source Route',
  136: 'Stream ID',
  137: 'Strict Source Route',
  148: 'Router Alert',
}

/**
 * Splits IPv4 option bytes into options (RFC 791 section 3.1). The list ends at End of Option List.
 * @throws InvalidPacketError when an option's length is below 2 or runs past the options.
 */
export function decodeIpv4Options(options: Uint8Array): Ipv4Option[] {
  const decoded: Ipv4Option[] = []
  let offset = 0
  while (offset < options.length) {
    const type = options[offset]!
    const name = IPV4_OPTION_NAMES[type] ?? `Option ${type}`
    if (type === 0 || type === 1) {
      decoded.push({ type, name, offset, length: 1, data: options.subarray(offset + 1, offset + 1) })
      offset += 1
      if (type === 0) break
      continue
    }
    const length = options[offset + 1]
    if (length === undefined || length < 2 || offset + length > options.length) {
      throw new InvalidPacketError(`IPv4 option ${type} at offset ${offset} has an invalid length`)
    }
    decoded.push({ type, name, offset, length, data: options.subarray(offset + 2, offset + length) })
    offset += length
  }
  return decoded
}
