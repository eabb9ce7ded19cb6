import { InvalidArgumentError, InvalidPacketError } from '../errors.js'

/**
 * The base of every zero-copy view: big-endian reads and writes at fixed offsets of one byte array.
 * A subclass's `checkLength()` is what makes its accessors safe; these helpers do no bounds checks
 * of their own beyond what DataView does.
 */
export abstract class ByteView {
  /** The bytes this view reads and writes (never copied). */
  readonly bytes: Uint8Array
  protected readonly data: DataView

  constructor(bytes: Uint8Array) {
    this.bytes = bytes
    this.data = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  }

  protected u8(offset: number): number {
    return this.data.getUint8(offset)
  }
  protected u16(offset: number): number {
    return this.data.getUint16(offset)
  }
  protected u32(offset: number): number {
    return this.data.getUint32(offset)
  }
  protected setU8(offset: number, value: number): void {
    this.data.setUint8(offset, value)
  }
  protected setU16(offset: number, value: number): void {
    this.data.setUint16(offset, value)
  }
  protected setU32(offset: number, value: number): void {
    this.data.setUint32(offset, value)
  }
}

/** @throws InvalidPacketError naming `what` when `bytes` is shorter than `needed`. */
export function requireLength(what: string, bytes: Uint8Array, needed: number): void {
  if (bytes.length < needed) {
    throw new InvalidPacketError(`${what} needs ${needed} bytes, got ${bytes.length}`)
  }
}

/** @throws InvalidArgumentError unless `value` is an integer that fits in `bits` unsigned bits. */
export function checkUint(name: string, value: number, bits: number): void {
  if (!Number.isInteger(value) || value < 0 || value > 2 ** bits - 1) {
    throw new InvalidArgumentError(`${name} must be an integer in 0-${2 ** bits - 1}, got ${String(value)}`)
  }
}

/**
 * Returns `target` cut to `length` bytes, or a new array of that length when there is no target.
 * @throws InvalidArgumentError when the target is too small.
 */
export function outputBuffer(length: number, target: Uint8Array | undefined): Uint8Array {
  if (target === undefined) return new Uint8Array(length)
  if (target.length < length) {
    throw new InvalidArgumentError(`target buffer of ${target.length} bytes is too small, need ${length}`)
  }
  return target.subarray(0, length)
}

/** Lowercase hex of `bytes` joined by `separator` (`02:00:00:00:00:01` with `:`). */
export function toHex(bytes: Uint8Array, separator = ''): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join(separator)
}

/** `0x` and `value` in hex, zero-padded to `digits`. */
export function hex(value: number, digits: number): string {
  return `0x${value.toString(16).padStart(digits, '0')}`
}
