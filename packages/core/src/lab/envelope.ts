import { crc32 } from 'node:zlib'
import { InvalidArgumentError } from '../errors.js'

/**
 * The lab envelope: every lab message is this 32-byte header followed by its payload. All integers
 * are big-endian (network order).
 *
 * | offset | bytes | field |
 * | --- | --- | --- |
 * | 0 | 4 | magic `PLAB` |
 * | 4 | 4 | CRC-32 (IEEE, as zlib) of every byte after this field: the rest of the header and the payload |
 * | 8 | 1 | version, {@link ENVELOPE_VERSION} |
 * | 9 | 1 | flags ({@link ENVELOPE_FLAG_ECHO}) |
 * | 10 | 2 | reserved, written as 0 |
 * | 12 | 4 | session id |
 * | 16 | 4 | sequence number |
 * | 20 | 8 | send time, monotonic nanoseconds (the clock of `monotonicNs`) |
 * | 28 | 4 | payload length |
 * | 32 | n | payload |
 *
 * The CRC sits right after the magic so that it covers one contiguous range (one `crc32` call, no
 * copy). The magic itself is not covered: a message whose magic differs is foreign, not corrupt.
 */
export const ENVELOPE_HEADER_BYTES = 32

/** The first four bytes of every envelope: ASCII `PLAB`. */
export const ENVELOPE_MAGIC = Uint8Array.of(0x50, 0x4c, 0x41, 0x42)

/** The envelope version this code writes and accepts; another version is foreign. */
export const ENVELOPE_VERSION = 1

/** Flag: the receiver should send the message back unchanged (round-trip mode). */
export const ENVELOPE_FLAG_ECHO = 0x01

const CRC_OFFSET = 4
const COVERED_OFFSET = 8
const VERSION_OFFSET = 8
const FLAGS_OFFSET = 9
const SESSION_OFFSET = 12
const SEQUENCE_OFFSET = 16
const SENT_AT_OFFSET = 20
const LENGTH_OFFSET = 28
const TWO_POW_32 = 4294967296

/** The fields of an envelope's header that a sender chooses. */
export interface EnvelopeFields {
  /** Session id, an unsigned 32-bit integer; messages of another session are foreign. */
  readonly session: number
  /** Sequence number, an unsigned 32-bit integer. */
  readonly seq: number
  /** Send time in monotonic nanoseconds: a `bigint` from `monotonicNs()` or a number from `nowNs()`. */
  readonly sentAtNs: bigint | number
  /** Flag bits, default 0. */
  readonly flags?: number
}

/** An envelope that passed every check. */
export interface EnvelopeOk {
  readonly kind: 'ok'
  readonly session: number
  readonly seq: number
  /** Send time in monotonic nanoseconds (exact below 2^53 ns, about 104 days of uptime; within a few ns above). */
  readonly sentAtNs: number
  readonly flags: number
  /** The payload is `bytes.subarray(ENVELOPE_HEADER_BYTES, ENVELOPE_HEADER_BYTES + payloadLength)`. */
  readonly payloadLength: number
}

/** Bytes that are not a message of this lab: no magic, another version, or another session. */
export interface EnvelopeForeign {
  readonly kind: 'foreign'
}

/** Bytes that carry the magic but were damaged: shorter than the header, a wrong length, or a bad CRC. */
export interface EnvelopeCorrupt {
  readonly kind: 'corrupt'
  readonly reason: 'length' | 'crc'
}

/** What {@link readEnvelope} found. */
export type EnvelopeReadResult = EnvelopeOk | EnvelopeForeign | EnvelopeCorrupt

const FOREIGN: EnvelopeForeign = Object.freeze({ kind: 'foreign' })
const CORRUPT_LENGTH: EnvelopeCorrupt = Object.freeze({ kind: 'corrupt', reason: 'length' })
const CORRUPT_CRC: EnvelopeCorrupt = Object.freeze({ kind: 'corrupt', reason: 'crc' })

/**
 * Writes an envelope's header and CRC in place into `target`, whose bytes from
 * {@link ENVELOPE_HEADER_BYTES} already hold the payload (a sender fills the payload once and calls
 * this for every message: no allocation per message). Returns the envelope's length in bytes.
 *
 * @throws InvalidArgumentError when a field is out of range or `target` is too short
 */
export function writeEnvelope(target: Uint8Array, fields: EnvelopeFields, payloadLength: number): number {
  const total = ENVELOPE_HEADER_BYTES + payloadLength
  if (!isUint32(payloadLength) || target.length < total) {
    throw new InvalidArgumentError(
      `envelope of ${String(payloadLength)} payload bytes does not fit a ${target.length}-byte buffer`,
    )
  }
  const flags = fields.flags ?? 0
  if (!isUint32(fields.session)) throw new InvalidArgumentError(`session id ${fields.session} is not a u32`)
  if (!isUint32(fields.seq)) throw new InvalidArgumentError(`sequence number ${fields.seq} is not a u32`)
  if (!Number.isInteger(flags) || flags < 0 || flags > 0xff) {
    throw new InvalidArgumentError(`envelope flags ${flags} are not a byte`)
  }
  target.set(ENVELOPE_MAGIC, 0)
  target[VERSION_OFFSET] = ENVELOPE_VERSION
  target[FLAGS_OFFSET] = flags
  target[10] = 0
  target[11] = 0
  writeUint32(target, SESSION_OFFSET, fields.session)
  writeUint32(target, SEQUENCE_OFFSET, fields.seq)
  writeTime(target, SENT_AT_OFFSET, fields.sentAtNs)
  writeUint32(target, LENGTH_OFFSET, payloadLength)
  writeUint32(target, CRC_OFFSET, crc32(target.subarray(COVERED_OFFSET, total)))
  return total
}

/**
 * Reads and checks one envelope. It never throws on a peer's bytes:
 * - fewer than 4 bytes, another magic, another version, or (when `expectedSession` is given)
 *   another session: `foreign`;
 * - the magic but fewer than {@link ENVELOPE_HEADER_BYTES} bytes, a payload length that disagrees
 *   with the byte count, or a CRC mismatch: `corrupt` (checked before the version and session,
 *   so a damaged session id is counted as corrupt, not foreign);
 * - otherwise `ok`.
 */
export function readEnvelope(bytes: Uint8Array, expectedSession?: number): EnvelopeReadResult {
  if (
    bytes.length < ENVELOPE_MAGIC.length ||
    bytes[0] !== 0x50 ||
    bytes[1] !== 0x4c ||
    bytes[2] !== 0x41 ||
    bytes[3] !== 0x42
  ) {
    return FOREIGN
  }
  if (bytes.length < ENVELOPE_HEADER_BYTES) return CORRUPT_LENGTH
  const payloadLength = readUint32(bytes, LENGTH_OFFSET)
  if (payloadLength !== bytes.length - ENVELOPE_HEADER_BYTES) return CORRUPT_LENGTH
  if (readUint32(bytes, CRC_OFFSET) !== crc32(bytes.subarray(COVERED_OFFSET))) return CORRUPT_CRC
  if (bytes[VERSION_OFFSET] !== ENVELOPE_VERSION) return FOREIGN
  const session = readUint32(bytes, SESSION_OFFSET)
  if (expectedSession !== undefined && session !== expectedSession) return FOREIGN
  return {
    kind: 'ok',
    session,
    seq: readUint32(bytes, SEQUENCE_OFFSET),
    sentAtNs: readUint32(bytes, SENT_AT_OFFSET) * TWO_POW_32 + readUint32(bytes, SENT_AT_OFFSET + 4),
    flags: bytes[FLAGS_OFFSET]!,
    payloadLength,
  }
}

/**
 * A buffer for a sender to reuse: room for the header and `payloadLength` payload bytes, the
 * payload filled with a fixed pattern (byte i is `i & 0xff`) so every message carries real bytes.
 */
export function createEnvelopeBuffer(payloadLength: number): Uint8Array {
  if (!isUint32(payloadLength)) {
    throw new InvalidArgumentError(`payload length ${String(payloadLength)} is not a non-negative integer`)
  }
  const buffer = new Uint8Array(ENVELOPE_HEADER_BYTES + payloadLength)
  for (let i = 0; i < payloadLength; i++) buffer[ENVELOPE_HEADER_BYTES + i] = i & 0xff
  return buffer
}

/** A random non-zero session id (from the OS's CSPRNG), so two runs never take each other's messages. */
export function randomSessionId(): number {
  const words = new Uint32Array(1)
  do globalThis.crypto.getRandomValues(words)
  while (words[0] === 0)
  return words[0]!
}

function isUint32(value: number): boolean {
  return Number.isInteger(value) && value >= 0 && value < TWO_POW_32
}

function writeUint32(target: Uint8Array, offset: number, value: number): void {
  target[offset] = value >>> 24
  target[offset + 1] = value >>> 16
  target[offset + 2] = value >>> 8
  target[offset + 3] = value
}

function readUint32(bytes: Uint8Array, offset: number): number {
  return (
    ((bytes[offset]! << 24) | (bytes[offset + 1]! << 16) | (bytes[offset + 2]! << 8) | bytes[offset + 3]!) >>>
    0
  )
}

function writeTime(target: Uint8Array, offset: number, ns: bigint | number): void {
  let high: number
  let low: number
  if (typeof ns === 'bigint') {
    if (ns < 0n || ns >= 1n << 64n) throw new InvalidArgumentError(`send time ${ns} ns is not a u64`)
    high = Number(ns >> 32n)
    low = Number(ns & 0xffffffffn)
  } else {
    if (!Number.isInteger(ns) || ns < 0 || ns > Number.MAX_SAFE_INTEGER * 2048) {
      throw new InvalidArgumentError(`send time ${ns} ns is not a non-negative integer`)
    }
    high = Math.floor(ns / TWO_POW_32)
    low = ns - high * TWO_POW_32
  }
  writeUint32(target, offset, high)
  writeUint32(target, offset + 4, low)
}
