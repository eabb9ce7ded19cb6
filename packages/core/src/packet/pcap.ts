import { InvalidArgumentError, InvalidPacketError } from '../errors.js'
import { checkUint, requireLength } from './_bytes.js'

/**
 * The classic pcap file format (libpcap, draft-ietf-opsawg-pcap): a 24-byte file header, then per
 * packet a 16-byte record header and the captured bytes. Either byte order; microsecond or
 * nanosecond timestamps, told apart by the magic number.
 */

/** Link types (https://www.tcpdump.org/linktypes.html) that protolab reads and writes. */
export const LinkType = {
  /** BSD loopback: a 4-byte address family in the writer's byte order. */
  NULL: 0,
  /** Ethernet II. */
  EN10MB: 1,
  /** Raw IPv4 or IPv6, told apart by the version nibble. */
  RAW: 101,
  /** OpenBSD loopback: a 4-byte address family in network byte order. */
  LOOP: 108,
  /** Linux cooked capture v1 (`tcpdump -i any`, older versions). */
  LINUX_SLL: 113,
  /** Raw IPv4 only. */
  IPV4: 228,
  /** Raw IPv6 only. */
  IPV6: 229,
  /** Linux cooked capture v2 (`tcpdump -i any`). */
  LINUX_SLL2: 276,
} as const

/** Names of the link types in {@link LinkType}, for display. */
export const LINK_TYPE_NAMES: Readonly<Record<number, string>> = {
  0: 'NULL (BSD loopback)',
  1: 'EN10MB (Ethernet)',
  101: 'RAW (IP)',
  108: 'LOOP (OpenBSD loopback)',
  113: 'LINUX_SLL (Linux cooked v1)',
  228: 'IPV4',
  229: 'IPV6',
  276: 'LINUX_SLL2 (Linux cooked v2)',
}

/** Magic number of a pcap file with microsecond timestamps. */
export const PCAP_MAGIC_MICROSECONDS = 0xa1b2c3d4
/** Magic number of a pcap file with nanosecond timestamps. */
export const PCAP_MAGIC_NANOSECONDS = 0xa1b23c4d
/** Length of the pcap file header. */
export const PCAP_FILE_HEADER_LENGTH = 24
/** Length of a pcap record header. */
export const PCAP_RECORD_HEADER_LENGTH = 16
/** The snapshot length tcpdump uses by default. */
export const DEFAULT_SNAP_LENGTH = 262144

/** When a packet was captured, as seconds since the Unix epoch and nanoseconds within that second. */
export interface PacketTimestamp {
  readonly seconds: number
  readonly nanoseconds: number
}

/** A packet read from a capture file. */
export interface CapturedPacket {
  readonly timestamp: PacketTimestamp
  /** The captured bytes (at most the snapshot length), a view into the file's bytes. */
  readonly data: Uint8Array
  /** The packet's length on the wire; more than `data.length` when the capture cut it. */
  readonly originalLength: number
  /** How to read `data` (see {@link LinkType}). */
  readonly linkType: number
  /** pcapng: the index of the interface in the file's `interfaces`. */
  readonly interfaceIndex?: number
}

/**
 * A zero-copy view of a pcap file header. The byte order comes from the magic number; after
 * {@link PcapFileHeaderView.checkLength} returns, no accessor reads out of bounds and the magic is
 * one of the two known ones.
 */
export class PcapFileHeaderView {
  /** Byte offsets of the fields. */
  static readonly field = {
    MAGIC: 0,
    VERSION_MAJOR: 4,
    VERSION_MINOR: 6,
    THIS_ZONE: 8,
    SIGFIGS: 12,
    SNAP_LENGTH: 16,
    LINK_TYPE: 20,
  } as const
  readonly bytes: Uint8Array
  private readonly data: DataView
  private littleEndian = false

  constructor(bytes: Uint8Array) {
    this.bytes = bytes
    this.data = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  }

  /** @throws InvalidPacketError when the bytes are too short or the magic number is not pcap's. */
  checkLength(): this {
    requireLength('a pcap file header', this.bytes, PCAP_FILE_HEADER_LENGTH)
    const big = this.data.getUint32(0)
    const little = this.data.getUint32(0, true)
    if (big === PCAP_MAGIC_MICROSECONDS || big === PCAP_MAGIC_NANOSECONDS) this.littleEndian = false
    else if (little === PCAP_MAGIC_MICROSECONDS || little === PCAP_MAGIC_NANOSECONDS) this.littleEndian = true
    else throw new InvalidPacketError(`not a pcap file: magic number 0x${big.toString(16).padStart(8, '0')}`)
    return this
  }

  get byteOrder(): 'big' | 'little' {
    return this.littleEndian ? 'little' : 'big'
  }
  get magic(): number {
    return this.u32(PcapFileHeaderView.field.MAGIC)
  }
  get precision(): 'microseconds' | 'nanoseconds' {
    return this.magic === PCAP_MAGIC_NANOSECONDS ? 'nanoseconds' : 'microseconds'
  }
  get versionMajor(): number {
    return this.data.getUint16(PcapFileHeaderView.field.VERSION_MAJOR, this.littleEndian)
  }
  get versionMinor(): number {
    return this.data.getUint16(PcapFileHeaderView.field.VERSION_MINOR, this.littleEndian)
  }
  get snapLength(): number {
    return this.u32(PcapFileHeaderView.field.SNAP_LENGTH)
  }
  /** The whole link-type word: the link type in the low bits, FCS information in the top bits. */
  get linkTypeWord(): number {
    return this.u32(PcapFileHeaderView.field.LINK_TYPE)
  }
  get linkType(): number {
    return this.linkTypeWord & 0x03ffffff
  }
  /** Bytes of frame check sequence at the end of each packet, when the file says so. */
  get fcsLength(): number | undefined {
    const word = this.linkTypeWord
    return (word & 0x04000000) !== 0 ? (word >>> 28) * 2 : undefined
  }

  private u32(offset: number): number {
    return this.data.getUint32(offset, this.littleEndian)
  }
}

/**
 * A zero-copy view of a pcap record header in the file's byte order. After
 * {@link PcapRecordHeaderView.checkLength} returns, no accessor reads out of bounds and the
 * captured bytes it announces are all present.
 */
export class PcapRecordHeaderView {
  /** Byte offsets of the fields. */
  static readonly field = {
    SECONDS: 0,
    FRACTION: 4,
    CAPTURED_LENGTH: 8,
    ORIGINAL_LENGTH: 12,
    DATA: 16,
  } as const
  readonly bytes: Uint8Array
  private readonly data: DataView

  constructor(
    bytes: Uint8Array,
    readonly byteOrder: 'big' | 'little',
  ) {
    this.bytes = bytes
    this.data = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  }

  /** @throws InvalidPacketError when the record header or its captured bytes are cut short. */
  checkLength(): this {
    requireLength('a pcap record header', this.bytes, PCAP_RECORD_HEADER_LENGTH)
    const available = this.bytes.length - PCAP_RECORD_HEADER_LENGTH
    if (this.capturedLength > available) {
      throw new InvalidPacketError(
        `pcap record announces ${this.capturedLength} captured bytes but only ${available} remain`,
      )
    }
    return this
  }

  get seconds(): number {
    return this.u32(PcapRecordHeaderView.field.SECONDS)
  }
  /** Microseconds or nanoseconds, as the file header's magic says. */
  get fraction(): number {
    return this.u32(PcapRecordHeaderView.field.FRACTION)
  }
  get capturedLength(): number {
    return this.u32(PcapRecordHeaderView.field.CAPTURED_LENGTH)
  }
  get originalLength(): number {
    return this.u32(PcapRecordHeaderView.field.ORIGINAL_LENGTH)
  }
  /** The record header and its captured bytes. */
  get recordLength(): number {
    return PCAP_RECORD_HEADER_LENGTH + this.capturedLength
  }
  get packetData(): Uint8Array {
    return this.bytes.subarray(PCAP_RECORD_HEADER_LENGTH, this.recordLength)
  }

  private u32(offset: number): number {
    return this.data.getUint32(offset, this.byteOrder === 'little')
  }
}

/** A pcap file header as values. */
export interface PcapFileHeader {
  readonly byteOrder: 'big' | 'little'
  readonly precision: 'microseconds' | 'nanoseconds'
  readonly versionMajor: number
  readonly versionMinor: number
  readonly snapLength: number
  readonly linkType: number
  readonly fcsLength?: number
}

/** A whole pcap file as values. */
export interface PcapFile {
  readonly header: PcapFileHeader
  readonly packets: CapturedPacket[]
}

/**
 * Reads a classic pcap file.
 * @throws InvalidPacketError when it is not pcap, or a record is cut short or has an impossible timestamp.
 */
export function readPcap(bytes: Uint8Array): PcapFile {
  const view = new PcapFileHeaderView(bytes).checkLength()
  const fcsLength = view.fcsLength
  const header: PcapFileHeader = {
    byteOrder: view.byteOrder,
    precision: view.precision,
    versionMajor: view.versionMajor,
    versionMinor: view.versionMinor,
    snapLength: view.snapLength,
    linkType: view.linkType,
    ...(fcsLength === undefined ? {} : { fcsLength }),
  }
  const fractionsPerSecond = header.precision === 'nanoseconds' ? 1_000_000_000 : 1_000_000
  const packets: CapturedPacket[] = []
  let offset = PCAP_FILE_HEADER_LENGTH
  // Each record consumes at least its 16-byte header, so the loop ends with the bytes.
  while (offset < bytes.length) {
    const record = new PcapRecordHeaderView(bytes.subarray(offset), header.byteOrder).checkLength()
    const fraction = record.fraction
    if (fraction >= fractionsPerSecond) {
      throw new InvalidPacketError(
        `pcap record at byte ${offset} has ${fraction} ${header.precision}, over one second`,
      )
    }
    packets.push({
      timestamp: {
        seconds: record.seconds,
        nanoseconds: header.precision === 'nanoseconds' ? fraction : fraction * 1000,
      },
      data: record.packetData,
      originalLength: record.originalLength,
      linkType: header.linkType,
    })
    offset += record.recordLength
  }
  return { header, packets }
}

/** A packet to write with {@link writePcap}. */
export interface PcapRecord {
  /** Defaults to the Unix epoch. */
  readonly timestamp?: PacketTimestamp
  readonly data: Uint8Array
  /** Defaults to `data.length`; larger when the packet was cut to the snapshot length. */
  readonly originalLength?: number
}

/** Options of {@link writePcap}. */
export interface PcapWriteOptions {
  readonly linkType: number
  /** Default `'microseconds'`: sub-microsecond digits of timestamps are dropped. */
  readonly precision?: 'microseconds' | 'nanoseconds'
  /** Default `'little'`, as tcpdump writes on x86 and ARM. */
  readonly byteOrder?: 'big' | 'little'
  /** Default 262144. */
  readonly snapLength?: number
}

/**
 * Writes packets as a classic pcap file (version 2.4) that tcpdump, tshark and Wireshark open.
 * @throws InvalidArgumentError for a link type or timestamp that does not fit, or a packet longer
 * than the snapshot length.
 */
export function writePcap(records: readonly PcapRecord[], options: PcapWriteOptions): Uint8Array {
  const precision = options.precision ?? 'microseconds'
  const littleEndian = (options.byteOrder ?? 'little') === 'little'
  const snapLength = options.snapLength ?? DEFAULT_SNAP_LENGTH
  checkUint('linkType', options.linkType, 16)
  checkUint('snapLength', snapLength, 32)
  if (precision !== 'microseconds' && precision !== 'nanoseconds') {
    throw new InvalidArgumentError(
      `precision must be 'microseconds' or 'nanoseconds', got ${String(precision)}`,
    )
  }
  const size = records.reduce(
    (sum, record) => sum + PCAP_RECORD_HEADER_LENGTH + record.data.length,
    PCAP_FILE_HEADER_LENGTH,
  )
  const out = new Uint8Array(size)
  const data = new DataView(out.buffer)
  data.setUint32(
    0,
    precision === 'nanoseconds' ? PCAP_MAGIC_NANOSECONDS : PCAP_MAGIC_MICROSECONDS,
    littleEndian,
  )
  data.setUint16(4, 2, littleEndian)
  data.setUint16(6, 4, littleEndian)
  data.setUint32(16, snapLength, littleEndian)
  data.setUint32(20, options.linkType, littleEndian)
  let offset = PCAP_FILE_HEADER_LENGTH
  for (const record of records) {
    const timestamp = record.timestamp ?? { seconds: 0, nanoseconds: 0 }
    checkUint('timestamp seconds', timestamp.seconds, 32)
    if (
      !Number.isInteger(timestamp.nanoseconds) ||
      timestamp.nanoseconds < 0 ||
      timestamp.nanoseconds > 999_999_999
    ) {
      throw new InvalidArgumentError(
        `timestamp nanoseconds must be an integer in 0-999999999, got ${timestamp.nanoseconds}`,
      )
    }
    if (record.data.length > snapLength) {
      throw new InvalidArgumentError(
        `packet of ${record.data.length} bytes is longer than the snapshot length ${snapLength}`,
      )
    }
    const originalLength = record.originalLength ?? record.data.length
    checkUint('originalLength', originalLength, 32)
    if (originalLength < record.data.length) {
      throw new InvalidArgumentError(
        `originalLength ${originalLength} is less than the ${record.data.length} bytes given`,
      )
    }
    const fraction =
      precision === 'nanoseconds' ? timestamp.nanoseconds : Math.floor(timestamp.nanoseconds / 1000)
    data.setUint32(offset, timestamp.seconds, littleEndian)
    data.setUint32(offset + 4, fraction, littleEndian)
    data.setUint32(offset + 8, record.data.length, littleEndian)
    data.setUint32(offset + 12, originalLength, littleEndian)
    out.set(record.data, offset + PCAP_RECORD_HEADER_LENGTH)
    offset += PCAP_RECORD_HEADER_LENGTH + record.data.length
  }
  return out
}
