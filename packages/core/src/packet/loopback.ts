import { InvalidArgumentError } from '../errors.js'
import { checkUint, outputBuffer, requireLength } from './_bytes.js'

/**
 * The BSD loopback header of link types NULL (0) and LOOP (108): a 4-byte address family before the
 * IP packet. NULL stores it in the capturing host's byte order, LOOP in network byte order.
 * See https://www.tcpdump.org/linktypes/LINKTYPE_NULL.html.
 */

/** Length of the loopback header. */
export const LOOPBACK_HEADER_LENGTH = 4

/** Address family values seen in loopback headers. IPv6's differs between systems. */
export const LoopbackFamily = {
  INET: 2,
  /** Linux. */
  INET6_LINUX: 10,
  /** NetBSD, OpenBSD, BSD/OS. */
  INET6_BSD: 24,
  INET6_FREEBSD: 28,
  INET6_DARWIN: 30,
} as const

const IPV6_FAMILIES: ReadonlySet<number> = new Set([10, 24, 28, 30])

/** The IP version a loopback family value stands for, or `undefined` for another protocol. */
export function loopbackFamilyVersion(family: number): 4 | 6 | undefined {
  if (family === LoopbackFamily.INET) return 4
  return IPV6_FAMILIES.has(family) ? 6 : undefined
}

/**
 * A zero-copy view of a loopback header. After {@link LoopbackView.checkLength} returns, no
 * accessor reads or writes out of bounds.
 */
export class LoopbackView {
  /** Byte offsets of the fields. */
  static readonly field = { FAMILY: 0, PAYLOAD: 4 } as const
  readonly bytes: Uint8Array
  private readonly data: DataView

  /** `byteOrder` is how the family is stored: the writer's host order for NULL, big for LOOP. */
  constructor(
    bytes: Uint8Array,
    readonly byteOrder: 'big' | 'little',
  ) {
    this.bytes = bytes
    this.data = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  }

  /**
   * The byte order of a NULL header's family, found as Wireshark does: families are small numbers,
   * so a value with bits in the upper half was written little-endian. Needs 4 bytes.
   */
  static detectByteOrder(bytes: Uint8Array): 'big' | 'little' {
    requireLength('a loopback header', bytes, LOOPBACK_HEADER_LENGTH)
    const bigEndian = new DataView(bytes.buffer, bytes.byteOffset, LOOPBACK_HEADER_LENGTH).getUint32(0)
    return (bigEndian & 0xffff0000) !== 0 ? 'little' : 'big'
  }

  /** @throws InvalidPacketError when the bytes are shorter than the header. */
  checkLength(): this {
    requireLength('a loopback header', this.bytes, LOOPBACK_HEADER_LENGTH)
    return this
  }
  get family(): number {
    return this.data.getUint32(LoopbackView.field.FAMILY, this.byteOrder === 'little')
  }
  set family(value: number) {
    checkUint('family', value, 32)
    this.data.setUint32(LoopbackView.field.FAMILY, value, this.byteOrder === 'little')
  }
  get payload(): Uint8Array {
    return this.bytes.subarray(LoopbackView.field.PAYLOAD)
  }
}

/** A loopback header as values. */
export interface LoopbackHeader {
  readonly family: number
  readonly byteOrder: 'big' | 'little'
}

/** What {@link LoopbackHeader.parse} returns. */
export interface ParsedLoopback {
  readonly header: LoopbackHeader
  readonly payload: Uint8Array
}

/** Parse, emit and size loopback headers. */
export const LoopbackHeader = {
  /**
   * Reads a loopback header. Without `byteOrder` (link type NULL) it is detected; LOOP is `'big'`.
   * @throws InvalidPacketError when the bytes are shorter than the header.
   */
  parse(bytes: Uint8Array, byteOrder?: 'big' | 'little'): ParsedLoopback {
    const order = byteOrder ?? LoopbackView.detectByteOrder(bytes)
    const view = new LoopbackView(bytes, order).checkLength()
    return { header: { family: view.family, byteOrder: order }, payload: view.payload }
  },

  /** Bytes needed to emit the header with a payload of `payloadLength` bytes. */
  bufferLength(_header: LoopbackHeader, payloadLength = 0): number {
    return LOOPBACK_HEADER_LENGTH + payloadLength
  },

  /**
   * Writes the header and payload into `target` (or a new array).
   * @throws InvalidArgumentError for a family that is not a 32-bit unsigned integer.
   */
  emit(header: LoopbackHeader, payload: Uint8Array = new Uint8Array(0), target?: Uint8Array): Uint8Array {
    if (header.byteOrder !== 'big' && header.byteOrder !== 'little') {
      throw new InvalidArgumentError(`byteOrder must be 'big' or 'little', got ${String(header.byteOrder)}`)
    }
    const out = outputBuffer(LOOPBACK_HEADER_LENGTH + payload.length, target)
    new LoopbackView(out, header.byteOrder).family = header.family
    out.set(payload, LOOPBACK_HEADER_LENGTH)
    return out
  },
}
