import { InvalidPacketError } from '../errors.js'
import { requireLength } from './_bytes.js'
import type { CapturedPacket, PacketTimestamp } from './pcap.js'

/**
 * Reading pcapng (draft-ietf-opsawg-pcapng), which dumpcap and Wireshark write: a sequence of blocks,
 * each `type, total length, body, total length`. Sections (SHB) set the byte order; interfaces (IDB)
 * set each packet's link type and timestamp resolution; packets come in EPB and SPB (and the obsolete
 * PB). Other blocks (name resolution, statistics, custom) are skipped.
 */

/** Block type numbers. */
export const PcapngBlockType = {
  SECTION_HEADER: 0x0a0d0d0a,
  INTERFACE_DESCRIPTION: 0x00000001,
  PACKET: 0x00000002,
  SIMPLE_PACKET: 0x00000003,
  NAME_RESOLUTION: 0x00000004,
  INTERFACE_STATISTICS: 0x00000005,
  ENHANCED_PACKET: 0x00000006,
} as const

/** The byte-order magic in a section header. */
export const PCAPNG_BYTE_ORDER_MAGIC = 0x1a2b3c4d
const MIN_BLOCK_LENGTH = 12

const OPTION_END = 0
const IDB_NAME = 2
const IDB_DESCRIPTION = 3
const IDB_TSRESOL = 9
const IDB_TSOFFSET = 14

/**
 * A zero-copy view of one pcapng block in its section's byte order. After
 * {@link PcapngBlockView.checkLength} returns, no accessor reads out of bounds: the block's total
 * length is at least 12, a multiple of 4, within the bytes, and repeated at its end.
 */
export class PcapngBlockView {
  /** Byte offsets of the fields common to all blocks. */
  static readonly field = { TYPE: 0, TOTAL_LENGTH: 4, BODY: 8 } as const
  readonly bytes: Uint8Array
  private readonly data: DataView

  constructor(
    bytes: Uint8Array,
    readonly byteOrder: 'big' | 'little',
  ) {
    this.bytes = bytes
    this.data = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  }

  /** @throws InvalidPacketError when the block is cut short or its two lengths disagree. */
  checkLength(): this {
    requireLength('a pcapng block', this.bytes, MIN_BLOCK_LENGTH)
    const total = this.totalLength
    if (total < MIN_BLOCK_LENGTH || total % 4 !== 0) {
      throw new InvalidPacketError(`pcapng block length ${total} is not a multiple of 4 of at least 12`)
    }
    if (total > this.bytes.length) {
      throw new InvalidPacketError(`pcapng block of ${total} bytes is cut short at ${this.bytes.length}`)
    }
    if (this.u32(total - 4) !== total) {
      throw new InvalidPacketError(
        `pcapng block's trailing length ${this.u32(total - 4)} differs from ${total}`,
      )
    }
    return this
  }

  get type(): number {
    return this.u32(PcapngBlockView.field.TYPE)
  }
  get totalLength(): number {
    return this.u32(PcapngBlockView.field.TOTAL_LENGTH)
  }
  /** The block's body, between the leading and trailing lengths. */
  get body(): Uint8Array {
    return this.bytes.subarray(PcapngBlockView.field.BODY, this.totalLength - 4)
  }

  private u32(offset: number): number {
    return this.data.getUint32(offset, this.byteOrder === 'little')
  }
}

/** A section header's values. */
export interface PcapngSection {
  readonly byteOrder: 'big' | 'little'
  readonly versionMajor: number
  readonly versionMinor: number
}

/** An interface description's values. */
export interface PcapngInterface {
  /** Index of the section (in `sections`) that described it. */
  readonly section: number
  readonly linkType: number
  readonly snapLength: number
  readonly name?: string
  readonly description?: string
  /** Timestamp units per second: 10^6 unless `if_tsresol` says otherwise. */
  readonly timestampUnitsPerSecond: bigint
  /** Seconds added to every timestamp (`if_tsoffset`). */
  readonly timestampOffsetSeconds: number
}

/** A whole pcapng file as values. */
export interface PcapngFile {
  readonly sections: PcapngSection[]
  /** Every interface of every section, in order; a packet's `interfaceIndex` points into this list. */
  readonly interfaces: PcapngInterface[]
  readonly packets: CapturedPacket[]
}

/** True when the bytes start with a pcapng section header. */
export function isPcapng(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x0a && bytes[1] === 0x0d && bytes[2] === 0x0d && bytes[3] === 0x0a
}

/**
 * Reads a pcapng file.
 * @throws InvalidPacketError when it is not pcapng, a block is malformed or cut short, or a packet
 * names an interface that was not described.
 */
export function readPcapng(bytes: Uint8Array): PcapngFile {
  if (!isPcapng(bytes))
    throw new InvalidPacketError('not a pcapng file: it does not start with a section header')
  const sections: PcapngSection[] = []
  const interfaces: PcapngInterface[] = []
  const packets: CapturedPacket[] = []
  let sectionInterfaces: number[] = []
  let byteOrder: 'big' | 'little' = 'big'
  let offset = 0
  // Each block consumes at least 12 bytes (checked), so the loop ends with the bytes.
  while (offset < bytes.length) {
    const rest = bytes.subarray(offset)
    if (isPcapng(rest)) {
      byteOrder = sectionByteOrder(rest)
      sectionInterfaces = []
    }
    const block = new PcapngBlockView(rest, byteOrder).checkLength()
    const body = new BodyReader(block.body, byteOrder, block.type)
    switch (block.type) {
      case PcapngBlockType.SECTION_HEADER:
        body.need(16)
        sections.push({ byteOrder, versionMajor: body.u16(4), versionMinor: body.u16(6) })
        break
      case PcapngBlockType.INTERFACE_DESCRIPTION:
        sectionInterfaces.push(interfaces.length)
        interfaces.push(readInterface(body, sections.length - 1))
        break
      case PcapngBlockType.ENHANCED_PACKET: {
        body.need(20)
        const index = interfaceOf(body.u32(0), sectionInterfaces)
        const capturedLength = body.u32(12)
        packets.push({
          timestamp: toTimestamp(interfaces[index]!, body.u32(4), body.u32(8)),
          data: body.slice(20, capturedLength),
          originalLength: body.u32(16),
          linkType: interfaces[index]!.linkType,
          interfaceIndex: index,
        })
        break
      }
      case PcapngBlockType.PACKET: {
        body.need(20)
        const index = interfaceOf(body.u16(0), sectionInterfaces)
        packets.push({
          timestamp: toTimestamp(interfaces[index]!, body.u32(4), body.u32(8)),
          data: body.slice(20, body.u32(12)),
          originalLength: body.u32(16),
          linkType: interfaces[index]!.linkType,
          interfaceIndex: index,
        })
        break
      }
      case PcapngBlockType.SIMPLE_PACKET: {
        body.need(4)
        const index = interfaceOf(0, sectionInterfaces)
        const iface = interfaces[index]!
        const originalLength = body.u32(0)
        // An SPB stores the packet cut to the snapshot length, padded to 4: its length is implied.
        const limit = iface.snapLength === 0 ? originalLength : Math.min(originalLength, iface.snapLength)
        packets.push({
          timestamp: { seconds: 0, nanoseconds: 0 },
          data: body.slice(4, limit),
          originalLength,
          linkType: iface.linkType,
          interfaceIndex: index,
        })
        break
      }
      default:
        break
    }
    offset += block.totalLength
  }
  return { sections, interfaces, packets }
}

function sectionByteOrder(bytes: Uint8Array): 'big' | 'little' {
  requireLength('a pcapng section header', bytes, 12)
  const data = new DataView(bytes.buffer, bytes.byteOffset, 12)
  if (data.getUint32(8) === PCAPNG_BYTE_ORDER_MAGIC) return 'big'
  if (data.getUint32(8, true) === PCAPNG_BYTE_ORDER_MAGIC) return 'little'
  throw new InvalidPacketError(`pcapng section header has no byte-order magic`)
}

function interfaceOf(id: number, sectionInterfaces: readonly number[]): number {
  const index = sectionInterfaces[id]
  if (index === undefined) {
    throw new InvalidPacketError(`pcapng packet names interface ${id}, which was not described before it`)
  }
  return index
}

function readInterface(body: BodyReader, section: number): PcapngInterface {
  body.need(8)
  let name: string | undefined
  let description: string | undefined
  let unitsPerSecond = 1_000_000n
  let offsetSeconds = 0
  for (const option of body.options(8)) {
    if (option.code === IDB_NAME) name = new TextDecoder().decode(option.value)
    else if (option.code === IDB_DESCRIPTION) description = new TextDecoder().decode(option.value)
    else if (option.code === IDB_TSRESOL && option.value.length >= 1) {
      const resolution = option.value[0]!
      const exponent = BigInt(resolution & 0x7f)
      unitsPerSecond = (resolution & 0x80) !== 0 ? 2n ** exponent : 10n ** exponent
    } else if (option.code === IDB_TSOFFSET && option.value.length >= 8) {
      const view = new DataView(option.value.buffer, option.value.byteOffset, 8)
      offsetSeconds = Number(view.getBigInt64(0, body.byteOrder === 'little'))
    }
  }
  return {
    section,
    linkType: body.u16(0),
    snapLength: body.u32(4),
    ...(name === undefined ? {} : { name }),
    ...(description === undefined ? {} : { description }),
    timestampUnitsPerSecond: unitsPerSecond,
    timestampOffsetSeconds: offsetSeconds,
  }
}

function toTimestamp(iface: PcapngInterface, high: number, low: number): PacketTimestamp {
  const units = (BigInt(high) << 32n) | BigInt(low)
  const perSecond = iface.timestampUnitsPerSecond
  const seconds = units / perSecond
  const nanoseconds = ((units % perSecond) * 1_000_000_000n) / perSecond
  return { seconds: Number(seconds) + iface.timestampOffsetSeconds, nanoseconds: Number(nanoseconds) }
}

/** Bounds-checked reads inside one block body; every failure is an InvalidPacketError. */
class BodyReader {
  private readonly data: DataView

  constructor(
    private readonly body: Uint8Array,
    readonly byteOrder: 'big' | 'little',
    private readonly blockType: number,
  ) {
    this.data = new DataView(body.buffer, body.byteOffset, body.byteLength)
  }

  need(length: number): void {
    if (this.body.length < length) {
      throw new InvalidPacketError(
        `pcapng block 0x${this.blockType.toString(16)} body needs ${length} bytes, has ${this.body.length}`,
      )
    }
  }
  u16(offset: number): number {
    this.need(offset + 2)
    return this.data.getUint16(offset, this.byteOrder === 'little')
  }
  u32(offset: number): number {
    this.need(offset + 4)
    return this.data.getUint32(offset, this.byteOrder === 'little')
  }
  slice(offset: number, length: number): Uint8Array {
    this.need(offset + length)
    return this.body.subarray(offset, offset + length)
  }
  /** The options from `offset` to the end of the body, up to opt_endofopt. */
  options(offset: number): { code: number; value: Uint8Array }[] {
    const options: { code: number; value: Uint8Array }[] = []
    let at = offset
    while (at + 4 <= this.body.length) {
      const code = this.u16(at)
      const length = this.u16(at + 2)
      if (code === OPTION_END) break
      options.push({ code, value: this.slice(at + 4, length) })
      at += 4 + Math.ceil(length / 4) * 4
    }
    return options
  }
}
