import { formatIPv6, parseIPv6 } from '../address/ipv6.js'
import { InvalidArgumentError, InvalidPacketError } from '../errors.js'
import { ByteView, checkUint, outputBuffer, requireLength } from './_bytes.js'
import { IpProtocol } from './checksum.js'

/** Length of the fixed IPv6 header. */
export const IPV6_HEADER_LENGTH = 40
/** The largest payload without a jumbogram option: the payload length field is 16 bits. */
export const IPV6_MAX_PAYLOAD_LENGTH = 65535

/**
 * A zero-copy view of an IPv6 packet (RFC 8200).
 *
 * Accessors read the bytes in place and do not check bounds. After {@link Ipv6View.checkLength}
 * returns, every accessor stays within the bytes: the fixed header and `payloadLength` bytes fit.
 */
export class Ipv6View extends ByteView {
  /** Byte offsets of the fields. */
  static readonly field = {
    VERSION_CLASS_FLOW: 0,
    PAYLOAD_LENGTH: 4,
    NEXT_HEADER: 6,
    HOP_LIMIT: 7,
    SOURCE: 8,
    DESTINATION: 24,
    PAYLOAD: 40,
  } as const

  /**
   * Ensures the bytes hold a whole IPv6 packet: version 6, the 40-byte header and `payloadLength`
   * bytes after it (trailing bytes are allowed and excluded from {@link Ipv6View.payload}).
   * @throws InvalidPacketError naming what is wrong.
   */
  checkLength(): this {
    requireLength('an IPv6 header', this.bytes, IPV6_HEADER_LENGTH)
    if (this.version !== 6) throw new InvalidPacketError(`IPv6 version field is ${this.version}, expected 6`)
    const available = this.bytes.length - IPV6_HEADER_LENGTH
    if (this.payloadLength > available) {
      throw new InvalidPacketError(
        `IPv6 payload length ${this.payloadLength} is beyond the ${available} bytes available`,
      )
    }
    return this
  }

  private get firstWord(): number {
    return this.u32(Ipv6View.field.VERSION_CLASS_FLOW)
  }
  private set firstWord(value: number) {
    this.setU32(Ipv6View.field.VERSION_CLASS_FLOW, value >>> 0)
  }
  get version(): number {
    return this.firstWord >>> 28
  }
  /** Sets the version field to 6. */
  setVersion(): void {
    this.firstWord = (6 << 28) | (this.firstWord & 0x0fffffff)
  }
  /** Traffic class (8 bits: DSCP and ECN). */
  get trafficClass(): number {
    return (this.firstWord >>> 20) & 0xff
  }
  set trafficClass(value: number) {
    checkUint('trafficClass', value, 8)
    this.firstWord = (this.firstWord & 0xf00fffff) | (value << 20)
  }
  /** Flow label (20 bits). */
  get flowLabel(): number {
    return this.firstWord & 0x000fffff
  }
  set flowLabel(value: number) {
    checkUint('flowLabel', value, 20)
    this.firstWord = (this.firstWord & 0xfff00000) | value
  }
  get payloadLength(): number {
    return this.u16(Ipv6View.field.PAYLOAD_LENGTH)
  }
  set payloadLength(value: number) {
    checkUint('payloadLength', value, 16)
    this.setU16(Ipv6View.field.PAYLOAD_LENGTH, value)
  }
  get nextHeader(): number {
    return this.u8(Ipv6View.field.NEXT_HEADER)
  }
  set nextHeader(value: number) {
    checkUint('nextHeader', value, 8)
    this.setU8(Ipv6View.field.NEXT_HEADER, value)
  }
  get hopLimit(): number {
    return this.u8(Ipv6View.field.HOP_LIMIT)
  }
  set hopLimit(value: number) {
    checkUint('hopLimit', value, 8)
    this.setU8(Ipv6View.field.HOP_LIMIT, value)
  }
  get source(): Uint8Array {
    return this.bytes.subarray(Ipv6View.field.SOURCE, Ipv6View.field.SOURCE + 16)
  }
  get destination(): Uint8Array {
    return this.bytes.subarray(Ipv6View.field.DESTINATION, Ipv6View.field.DESTINATION + 16)
  }
  /** The `payloadLength` bytes after the fixed header (extension headers included). */
  get payload(): Uint8Array {
    return this.bytes.subarray(IPV6_HEADER_LENGTH, IPV6_HEADER_LENGTH + this.payloadLength)
  }
}

/** An IPv6 header as values. The payload length is computed by `emit`. */
export interface Ipv6Header {
  readonly trafficClass: number
  readonly flowLabel: number
  /** The protocol of the payload: 6 TCP, 17 UDP, or an extension header. */
  readonly nextHeader: number
  readonly hopLimit: number
  /** RFC 5952 text. */
  readonly source: string
  readonly destination: string
}

/** What {@link Ipv6Header.parse} returns. */
export interface ParsedIpv6 {
  readonly header: Ipv6Header
  /** The `payloadLength` bytes after the fixed header, a view into the input. */
  readonly payload: Uint8Array
  readonly payloadLength: number
}

/** Parse, emit and size IPv6 headers. */
export const Ipv6Header = {
  /**
   * Reads an IPv6 packet into a validated header and its payload.
   * @throws InvalidPacketError when the bytes are truncated or not IPv6.
   */
  parse(bytes: Uint8Array): ParsedIpv6 {
    const view = new Ipv6View(bytes).checkLength()
    return {
      header: {
        trafficClass: view.trafficClass,
        flowLabel: view.flowLabel,
        nextHeader: view.nextHeader,
        hopLimit: view.hopLimit,
        source: formatIPv6(view.source),
        destination: formatIPv6(view.destination),
      },
      payload: view.payload,
      payloadLength: view.payloadLength,
    }
  },

  /** Bytes needed to emit `header` with a payload of `payloadLength` bytes. */
  bufferLength(_header: Ipv6Header, payloadLength = 0): number {
    return IPV6_HEADER_LENGTH + payloadLength
  },

  /**
   * Writes the header (with its payload length) and the payload into `target` (or a new array).
   * @throws InvalidArgumentError or InvalidAddressError for values that do not fit, or a payload over 65535 bytes.
   */
  emit(header: Ipv6Header, payload: Uint8Array = new Uint8Array(0), target?: Uint8Array): Uint8Array {
    const source = parseIPv6(header.source)
    const destination = parseIPv6(header.destination)
    if (payload.length > IPV6_MAX_PAYLOAD_LENGTH) {
      throw new InvalidArgumentError(`an IPv6 payload holds at most 65535 bytes, got ${payload.length}`)
    }
    const out = outputBuffer(IPV6_HEADER_LENGTH + payload.length, target)
    out.fill(0, 0, IPV6_HEADER_LENGTH)
    const view = new Ipv6View(out)
    view.setVersion()
    view.trafficClass = header.trafficClass
    view.flowLabel = header.flowLabel
    view.payloadLength = payload.length
    view.nextHeader = header.nextHeader
    view.hopLimit = header.hopLimit
    out.set(source, Ipv6View.field.SOURCE)
    out.set(destination, Ipv6View.field.DESTINATION)
    out.set(payload, IPV6_HEADER_LENGTH)
    return out
  },
}

/** Where the upper-layer protocol starts after any IPv6 extension headers. */
export interface Ipv6UpperLayer {
  /** The protocol after the last extension header (6 TCP, 17 UDP, 59 no next header, ...). */
  readonly protocol: number
  /** Offset of the upper-layer header within the IPv6 payload. */
  readonly offset: number
  /** The extension headers passed over, in order. */
  readonly extensions: readonly { readonly type: number; readonly offset: number; readonly length: number }[]
  /** True when a fragment header with a non-zero offset means the upper-layer header is elsewhere. */
  readonly fragment: boolean
}

const CHAINED_EXTENSIONS: ReadonlySet<number> = new Set([
  IpProtocol.HOP_BY_HOP,
  IpProtocol.IPV6_ROUTING,
  IpProtocol.IPV6_FRAGMENT,
  IpProtocol.AH,
  IpProtocol.IPV6_DESTINATION,
])

/**
 * Walks the extension headers at the start of an IPv6 payload (hop-by-hop, routing, fragment,
 * destination options, authentication) to the upper-layer protocol.
 * @throws InvalidPacketError when an extension header runs past the payload.
 */
export function findIpv6UpperLayer(nextHeader: number, payload: Uint8Array): Ipv6UpperLayer {
  const extensions: { type: number; offset: number; length: number }[] = []
  let protocol = nextHeader
  let offset = 0
  let fragment = false
  // Each extension is at least 8 bytes, so the payload bounds the walk.
  while (CHAINED_EXTENSIONS.has(protocol) && !fragment) {
    if (offset + 8 > payload.length) {
      throw new InvalidPacketError(`IPv6 extension header ${protocol} at offset ${offset} is truncated`)
    }
    const next = payload[offset]!
    const lengthField = payload[offset + 1]!
    let length: number
    if (protocol === IpProtocol.IPV6_FRAGMENT) {
      length = 8
      fragment = ((payload[offset + 2]! << 8) | payload[offset + 3]!) >> 3 !== 0
    } else if (protocol === IpProtocol.AH) {
      length = (lengthField + 2) * 4
    } else {
      length = (lengthField + 1) * 8
    }
    if (offset + length > payload.length) {
      throw new InvalidPacketError(
        `IPv6 extension header ${protocol} at offset ${offset} runs past the payload`,
      )
    }
    extensions.push({ type: protocol, offset, length })
    protocol = next
    offset += length
  }
  return { protocol, offset, extensions, fragment }
}
