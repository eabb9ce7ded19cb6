import { InvalidArgumentError, InvalidPacketError } from '../errors.js'
import { ByteView, checkUint, outputBuffer, requireLength } from './_bytes.js'
import {
  addressBytes,
  type IpAddresses,
  IpProtocol,
  internetChecksum,
  isChecksumValid,
  pseudoHeaderSum,
} from './checksum.js'

/** Length of a TCP header without options. */
export const TCP_MIN_HEADER_LENGTH = 20
/** Length of a TCP header with the most options (data offset 15). */
export const TCP_MAX_HEADER_LENGTH = 60

/** The TCP control bits as booleans. */
export interface TcpFlags {
  readonly fin: boolean
  readonly syn: boolean
  readonly rst: boolean
  readonly psh: boolean
  readonly ack: boolean
  readonly urg: boolean
  /** ECN-Echo (RFC 3168). */
  readonly ece: boolean
  /** Congestion Window Reduced (RFC 3168). */
  readonly cwr: boolean
  /** Accurate ECN (RFC 9768), formerly the ECN-nonce bit NS (RFC 3540). */
  readonly ae: boolean
}

/** Each flag's bit in the 9-bit flags field, in wire order from the lowest bit. */
export const TCP_FLAG_BITS: Readonly<Record<keyof TcpFlags, number>> = {
  fin: 0x001,
  syn: 0x002,
  rst: 0x004,
  psh: 0x008,
  ack: 0x010,
  urg: 0x020,
  ece: 0x040,
  cwr: 0x080,
  ae: 0x100,
}

const FLAG_NAMES = Object.keys(TCP_FLAG_BITS) as (keyof TcpFlags)[]

/** The flags of a 9-bit flags value. */
export function tcpFlagsFromBits(bits: number): TcpFlags {
  const flags = {} as Record<keyof TcpFlags, boolean>
  for (const name of FLAG_NAMES) flags[name] = (bits & TCP_FLAG_BITS[name]) !== 0
  return flags
}

/** The 9-bit flags value of `flags`; flags not given are clear. */
export function tcpFlagsToBits(flags: Partial<TcpFlags>): number {
  let bits = 0
  for (const name of FLAG_NAMES) if (flags[name] === true) bits |= TCP_FLAG_BITS[name]
  return bits
}

/** The set flags in upper case, lowest bit first as Wireshark lists them: `SYN, ACK`; `<none>` when none is set. */
export function formatTcpFlags(flags: Partial<TcpFlags>): string {
  const set = FLAG_NAMES.filter((name) => flags[name] === true)
  return set.length === 0 ? '<none>' : set.map((name) => name.toUpperCase()).join(', ')
}

/** One TCP option (RFC 9293 section 3.2, RFC 7323, RFC 2018). */
export type TcpOption =
  | { readonly kind: 'eol' }
  | { readonly kind: 'nop' }
  | { readonly kind: 'mss'; readonly value: number }
  | { readonly kind: 'window-scale'; readonly shift: number }
  | { readonly kind: 'sack-permitted' }
  | { readonly kind: 'sack'; readonly blocks: readonly { readonly left: number; readonly right: number }[] }
  | { readonly kind: 'timestamps'; readonly value: number; readonly echo: number }
  | { readonly kind: 'unknown'; readonly type: number; readonly data: Uint8Array }

/** The option kind numbers. */
export const TcpOptionKind = {
  EOL: 0,
  NOP: 1,
  MSS: 2,
  WINDOW_SCALE: 3,
  SACK_PERMITTED: 4,
  SACK: 5,
  TIMESTAMPS: 8,
} as const

/** A decoded option with where it sits in the option bytes. */
export interface TcpOptionSpan {
  readonly option: TcpOption
  readonly offset: number
  readonly length: number
}

const FIXED_OPTION_LENGTHS: Readonly<Record<number, number>> = {
  [TcpOptionKind.MSS]: 4,
  [TcpOptionKind.WINDOW_SCALE]: 3,
  [TcpOptionKind.SACK_PERMITTED]: 2,
  [TcpOptionKind.TIMESTAMPS]: 10,
}

/**
 * Decodes TCP option bytes with each option's offset and length. The list ends at End of Option
 * List (which is included); the padding after it is not decoded.
 * @throws InvalidPacketError for an option whose length is wrong for its kind or runs past the end.
 */
export function decodeTcpOptionSpans(bytes: Uint8Array): TcpOptionSpan[] {
  const spans: TcpOptionSpan[] = []
  const data = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  let offset = 0
  while (offset < bytes.length) {
    const kind = bytes[offset]!
    if (kind === TcpOptionKind.EOL) {
      spans.push({ option: { kind: 'eol' }, offset, length: 1 })
      break
    }
    if (kind === TcpOptionKind.NOP) {
      spans.push({ option: { kind: 'nop' }, offset, length: 1 })
      offset += 1
      continue
    }
    const length = bytes[offset + 1]
    if (length === undefined || length < 2 || offset + length > bytes.length) {
      throw new InvalidPacketError(`TCP option ${kind} at offset ${offset} has an invalid length`)
    }
    const expected = FIXED_OPTION_LENGTHS[kind]
    if (expected !== undefined && length !== expected) {
      throw new InvalidPacketError(`TCP option ${kind} has length ${length}, expected ${expected}`)
    }
    const body = offset + 2
    let option: TcpOption
    switch (kind) {
      case TcpOptionKind.MSS:
        option = { kind: 'mss', value: data.getUint16(body) }
        break
      case TcpOptionKind.WINDOW_SCALE:
        option = { kind: 'window-scale', shift: data.getUint8(body) }
        break
      case TcpOptionKind.SACK_PERMITTED:
        option = { kind: 'sack-permitted' }
        break
      case TcpOptionKind.SACK: {
        if ((length - 2) % 8 !== 0 || length === 2) {
          throw new InvalidPacketError(`TCP SACK option has length ${length}, expected 2 + 8 per block`)
        }
        const blocks: { left: number; right: number }[] = []
        for (let at = body; at < offset + length; at += 8) {
          blocks.push({ left: data.getUint32(at), right: data.getUint32(at + 4) })
        }
        option = { kind: 'sack', blocks }
        break
      }
      case TcpOptionKind.TIMESTAMPS:
        option = { kind: 'timestamps', value: data.getUint32(body), echo: data.getUint32(body + 4) }
        break
      default:
        option = { kind: 'unknown', type: kind, data: bytes.subarray(body, offset + length) }
    }
    spans.push({ option, offset, length })
    offset += length
  }
  return spans
}

/**
 * Decodes TCP option bytes.
 * @throws InvalidPacketError for a malformed option.
 */
export function decodeTcpOptions(bytes: Uint8Array): TcpOption[] {
  return decodeTcpOptionSpans(bytes).map((span) => span.option)
}

/** The encoded length of one option. */
function optionLength(option: TcpOption): number {
  switch (option.kind) {
    case 'eol':
    case 'nop':
      return 1
    case 'mss':
      return 4
    case 'window-scale':
      return 3
    case 'sack-permitted':
      return 2
    case 'sack':
      return 2 + 8 * option.blocks.length
    case 'timestamps':
      return 10
    case 'unknown':
      return 2 + option.data.length
  }
}

/**
 * Encodes TCP options, padded with zeros (End of Option List) to a multiple of 4 bytes.
 * @throws InvalidArgumentError for values that do not fit, or options over 40 bytes.
 */
export function encodeTcpOptions(options: readonly TcpOption[]): Uint8Array {
  const length = options.reduce((sum, option) => sum + optionLength(option), 0)
  const padded = Math.ceil(length / 4) * 4
  if (padded > TCP_MAX_HEADER_LENGTH - TCP_MIN_HEADER_LENGTH) {
    throw new InvalidArgumentError(`TCP options take at most 40 bytes, these take ${padded}`)
  }
  const out = new Uint8Array(padded)
  const data = new DataView(out.buffer)
  let offset = 0
  for (const option of options) {
    const size = optionLength(option)
    switch (option.kind) {
      case 'eol':
        out[offset] = TcpOptionKind.EOL
        break
      case 'nop':
        out[offset] = TcpOptionKind.NOP
        break
      case 'mss':
        checkUint('MSS', option.value, 16)
        out.set([TcpOptionKind.MSS, size], offset)
        data.setUint16(offset + 2, option.value)
        break
      case 'window-scale':
        // RFC 7323 section 2.3: shifts above 14 are treated as 14; refuse them rather than send one.
        if (!Number.isInteger(option.shift) || option.shift < 0 || option.shift > 14) {
          throw new InvalidArgumentError(`window scale shift must be an integer in 0-14, got ${option.shift}`)
        }
        out.set([TcpOptionKind.WINDOW_SCALE, size, option.shift], offset)
        break
      case 'sack-permitted':
        out.set([TcpOptionKind.SACK_PERMITTED, size], offset)
        break
      case 'sack':
        if (option.blocks.length < 1 || option.blocks.length > 4) {
          throw new InvalidArgumentError(`a SACK option holds 1-4 blocks, got ${option.blocks.length}`)
        }
        out.set([TcpOptionKind.SACK, size], offset)
        option.blocks.forEach((block, index) => {
          checkUint('SACK left edge', block.left, 32)
          checkUint('SACK right edge', block.right, 32)
          data.setUint32(offset + 2 + index * 8, block.left)
          data.setUint32(offset + 6 + index * 8, block.right)
        })
        break
      case 'timestamps':
        checkUint('timestamp value', option.value, 32)
        checkUint('timestamp echo reply', option.echo, 32)
        out.set([TcpOptionKind.TIMESTAMPS, size], offset)
        data.setUint32(offset + 2, option.value)
        data.setUint32(offset + 6, option.echo)
        break
      case 'unknown':
        checkUint('option kind', option.type, 8)
        if (option.type <= TcpOptionKind.NOP) {
          throw new InvalidArgumentError(
            `option kind ${option.type} is a one-byte option; use 'eol' or 'nop'`,
          )
        }
        checkUint('option length', size, 8)
        out.set([option.type, size], offset)
        out.set(option.data, offset + 2)
        break
    }
    offset += size
  }
  return out
}

/**
 * A zero-copy view of a TCP segment (RFC 9293).
 *
 * Accessors read the bytes in place and do not check bounds. After {@link TcpView.checkLength}
 * returns, every accessor stays within the bytes: the header and its options fit. The segment is
 * all of the bytes given (TCP has no length field: the IP layer says where it ends).
 */
export class TcpView extends ByteView {
  /** Byte offsets of the fields. */
  static readonly field = {
    SOURCE_PORT: 0,
    DESTINATION_PORT: 2,
    SEQUENCE: 4,
    ACKNOWLEDGMENT: 8,
    OFFSET_FLAGS: 12,
    WINDOW: 14,
    CHECKSUM: 16,
    URGENT: 18,
    OPTIONS: 20,
  } as const

  /**
   * Ensures the bytes hold the header with the options its data offset states.
   * @throws InvalidPacketError naming what is wrong.
   */
  checkLength(): this {
    requireLength('a TCP header', this.bytes, TCP_MIN_HEADER_LENGTH)
    const headerLength = this.headerLength
    if (headerLength < TCP_MIN_HEADER_LENGTH) {
      throw new InvalidPacketError(`TCP data offset gives ${headerLength} bytes, below the minimum of 20`)
    }
    requireLength('the TCP header with its options', this.bytes, headerLength)
    return this
  }

  get sourcePort(): number {
    return this.u16(TcpView.field.SOURCE_PORT)
  }
  set sourcePort(value: number) {
    checkUint('sourcePort', value, 16)
    this.setU16(TcpView.field.SOURCE_PORT, value)
  }
  get destinationPort(): number {
    return this.u16(TcpView.field.DESTINATION_PORT)
  }
  set destinationPort(value: number) {
    checkUint('destinationPort', value, 16)
    this.setU16(TcpView.field.DESTINATION_PORT, value)
  }
  get sequenceNumber(): number {
    return this.u32(TcpView.field.SEQUENCE)
  }
  set sequenceNumber(value: number) {
    checkUint('sequenceNumber', value, 32)
    this.setU32(TcpView.field.SEQUENCE, value)
  }
  get acknowledgmentNumber(): number {
    return this.u32(TcpView.field.ACKNOWLEDGMENT)
  }
  set acknowledgmentNumber(value: number) {
    checkUint('acknowledgmentNumber', value, 32)
    this.setU32(TcpView.field.ACKNOWLEDGMENT, value)
  }
  /** The header length in bytes (the data offset field times 4). */
  get headerLength(): number {
    return (this.u8(TcpView.field.OFFSET_FLAGS) >> 4) * 4
  }
  set headerLength(bytes: number) {
    if (
      !Number.isInteger(bytes) ||
      bytes % 4 !== 0 ||
      bytes < TCP_MIN_HEADER_LENGTH ||
      bytes > TCP_MAX_HEADER_LENGTH
    ) {
      throw new InvalidArgumentError(`TCP header length must be a multiple of 4 in 20-60, got ${bytes}`)
    }
    const word = this.u16(TcpView.field.OFFSET_FLAGS)
    this.setU16(TcpView.field.OFFSET_FLAGS, ((bytes / 4) << 12) | (word & 0x0fff))
  }
  /** The three reserved bits between the data offset and the flags (should be zero). */
  get reserved(): number {
    return (this.u16(TcpView.field.OFFSET_FLAGS) >> 9) & 0x7
  }
  /** The 9 flag bits (see {@link TCP_FLAG_BITS}). */
  get flagBits(): number {
    return this.u16(TcpView.field.OFFSET_FLAGS) & 0x01ff
  }
  set flagBits(value: number) {
    checkUint('flags', value, 9)
    const word = this.u16(TcpView.field.OFFSET_FLAGS)
    this.setU16(TcpView.field.OFFSET_FLAGS, (word & 0xfe00) | value)
  }
  get flags(): TcpFlags {
    return tcpFlagsFromBits(this.flagBits)
  }
  get window(): number {
    return this.u16(TcpView.field.WINDOW)
  }
  set window(value: number) {
    checkUint('window', value, 16)
    this.setU16(TcpView.field.WINDOW, value)
  }
  get checksum(): number {
    return this.u16(TcpView.field.CHECKSUM)
  }
  set checksum(value: number) {
    checkUint('checksum', value, 16)
    this.setU16(TcpView.field.CHECKSUM, value)
  }
  get urgentPointer(): number {
    return this.u16(TcpView.field.URGENT)
  }
  set urgentPointer(value: number) {
    checkUint('urgentPointer', value, 16)
    this.setU16(TcpView.field.URGENT, value)
  }
  /** The option bytes (padding included). */
  get options(): Uint8Array {
    return this.bytes.subarray(TcpView.field.OPTIONS, this.headerLength)
  }
  get payload(): Uint8Array {
    return this.bytes.subarray(this.headerLength)
  }

  /** True when the checksum over the pseudo-header and the whole segment is correct. */
  verifyChecksum(source: Uint8Array, destination: Uint8Array): boolean {
    return isChecksumValid(
      this.bytes,
      pseudoHeaderSum(source, destination, IpProtocol.TCP, this.bytes.length),
    )
  }

  /** Computes the checksum over the pseudo-header and the whole segment and writes it. */
  fillChecksum(source: Uint8Array, destination: Uint8Array): void {
    this.checksum = 0
    this.checksum = internetChecksum(
      this.bytes,
      pseudoHeaderSum(source, destination, IpProtocol.TCP, this.bytes.length),
    )
  }
}

/** A TCP header as values. The data offset and checksum are computed by `emit`. */
export interface TcpHeader {
  readonly sourcePort: number
  readonly destinationPort: number
  readonly sequenceNumber: number
  readonly acknowledgmentNumber: number
  readonly flags: TcpFlags
  readonly window: number
  readonly urgentPointer: number
  readonly options: readonly TcpOption[]
}

/** What {@link TcpHeader.parse} returns. */
export interface ParsedTcp {
  readonly header: TcpHeader
  /** The data after the header, a view into the input. */
  readonly payload: Uint8Array
  readonly headerLength: number
  /** The checksum as received. */
  readonly checksum: number
  /** Whether the checksum is correct; false is reported rather than thrown, as captures may hold offloaded checksums. */
  readonly checksumValid: boolean
}

/** Parse, emit and size TCP headers. */
export const TcpHeader = {
  /**
   * Reads a TCP segment (all of `bytes`) into a validated header and payload, decoding its options
   * and verifying its checksum against the pseudo-header built from `addresses`.
   * @throws InvalidPacketError when the bytes are truncated or an option is malformed.
   */
  parse(bytes: Uint8Array, addresses: IpAddresses): ParsedTcp {
    const view = new TcpView(bytes).checkLength()
    const { source, destination } = addressBytes(addresses)
    return {
      header: {
        sourcePort: view.sourcePort,
        destinationPort: view.destinationPort,
        sequenceNumber: view.sequenceNumber,
        acknowledgmentNumber: view.acknowledgmentNumber,
        flags: view.flags,
        window: view.window,
        urgentPointer: view.urgentPointer,
        options: decodeTcpOptions(view.options),
      },
      payload: view.payload,
      headerLength: view.headerLength,
      checksum: view.checksum,
      checksumValid: view.verifyChecksum(source, destination),
    }
  },

  /** The header's length in bytes: 20 plus its padded options. */
  headerLength(header: TcpHeader): number {
    return TCP_MIN_HEADER_LENGTH + encodeTcpOptions(header.options).length
  },

  /** Bytes needed to emit `header` with a payload of `payloadLength` bytes. */
  bufferLength(header: TcpHeader, payloadLength = 0): number {
    return TcpHeader.headerLength(header) + payloadLength
  },

  /**
   * Writes the header (with data offset, options and checksum) and the payload into `target` (or a
   * new array). `addresses` are the IP source and destination the checksum's pseudo-header covers.
   * @throws InvalidArgumentError for values that do not fit; InvalidAddressError for invalid addresses.
   */
  emit(header: TcpHeader, payload: Uint8Array, addresses: IpAddresses, target?: Uint8Array): Uint8Array {
    const { source, destination } = addressBytes(addresses)
    const options = encodeTcpOptions(header.options)
    const headerLength = TCP_MIN_HEADER_LENGTH + options.length
    const out = outputBuffer(headerLength + payload.length, target)
    out.fill(0, 0, headerLength)
    const view = new TcpView(out)
    view.sourcePort = header.sourcePort
    view.destinationPort = header.destinationPort
    view.sequenceNumber = header.sequenceNumber
    view.acknowledgmentNumber = header.acknowledgmentNumber
    view.headerLength = headerLength
    view.flagBits = tcpFlagsToBits(header.flags)
    view.window = header.window
    view.urgentPointer = header.urgentPointer
    out.set(options, TcpView.field.OPTIONS)
    out.set(payload, headerLength)
    view.fillChecksum(source, destination)
    return out
  },
}
