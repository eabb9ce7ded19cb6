import { InvalidPacketError } from '@protolab/core'

/**
 * A KCP segment header is 24 bytes, little-endian, as ikcp lays it out:
 *
 * | offset | size | field |
 * | --- | --- | --- |
 * | 0 | 4 | `conv`: the conversation id both ends share |
 * | 4 | 1 | `cmd`: {@link Command} |
 * | 5 | 1 | `frg`: fragments that follow this one in its message (0 = last; always 0 in stream mode) |
 * | 6 | 2 | `wnd`: free slots in the sender's receive queue |
 * | 8 | 4 | `ts`: the sender's clock in ms (an ACK echoes the acknowledged segment's) |
 * | 12 | 4 | `sn`: sequence number (an ACK names the one it acknowledges) |
 * | 16 | 4 | `una`: every sequence number below it was received |
 * | 20 | 4 | `len`: bytes of data that follow |
 */
export const SEGMENT_HEADER_BYTES = 24

/** The four segment commands of KCP. */
export const Command = Object.freeze({
  /** Data. */
  PUSH: 81,
  /** Acknowledges one segment (`sn`, echoing its `ts`). */
  ACK: 82,
  /** Window probe: asks a peer that advertised a zero window for its window. */
  WASK: 83,
  /** Window tell: the answer to a probe, or news that a full window opened. */
  WINS: 84,
})

/** A command byte: 81-84. */
export type CommandCode = (typeof Command)[keyof typeof Command]

/** One KCP segment: its header fields and its data. */
export interface Segment {
  readonly conv: number
  readonly cmd: CommandCode
  readonly frg: number
  readonly wnd: number
  readonly ts: number
  readonly sn: number
  readonly una: number
  /** The data (`len` bytes); a view into the datagram it was decoded from. */
  readonly data: Uint8Array
}

const NO_DATA = new Uint8Array(0)

/** Bytes a segment takes on the wire: the header plus its data. */
export function segmentLength(segment: Pick<Segment, 'data'>): number {
  return SEGMENT_HEADER_BYTES + segment.data.length
}

/**
 * Writes `segment` into `target` at `offset` and returns the offset after it.
 * The caller makes room: {@link segmentLength} bytes must fit.
 */
export function encodeSegment(segment: Segment, target: Uint8Array, offset: number): number {
  const length = segment.data.length
  if (offset < 0 || offset + SEGMENT_HEADER_BYTES + length > target.length) {
    throw new RangeError(`a segment of ${SEGMENT_HEADER_BYTES + length} bytes does not fit at ${offset}`)
  }
  const at = encodeHeader(
    target,
    offset,
    segment.conv,
    segment.cmd,
    segment.frg,
    segment.wnd,
    segment.ts,
    segment.sn,
    segment.una,
    length,
  )
  if (length > 0) target.set(segment.data, at)
  return at + length
}

/**
 * Writes a 24-byte header from its fields at `offset` and returns the offset after it; the caller
 * makes room and writes the `len` bytes of data that follow.
 */
export function encodeHeader(
  target: Uint8Array,
  offset: number,
  conv: number,
  cmd: CommandCode,
  frg: number,
  wnd: number,
  ts: number,
  sn: number,
  una: number,
  length: number,
): number {
  let at = put32(target, offset, conv)
  target[at++] = cmd
  target[at++] = frg
  target[at++] = wnd & 0xff
  target[at++] = (wnd >>> 8) & 0xff
  at = put32(target, at, ts)
  at = put32(target, at, sn)
  at = put32(target, at, una)
  return put32(target, at, length)
}

/** A datagram built from segments, for tests and tools: the segments back to back, as KCP sends them. */
export function encodeSegments(segments: readonly Segment[]): Uint8Array {
  const datagram = new Uint8Array(segments.reduce((sum, segment) => sum + segmentLength(segment), 0))
  let offset = 0
  for (const segment of segments) offset = encodeSegment(segment, datagram, offset)
  return datagram
}

/**
 * Reads every segment of one datagram. A datagram holds one or more segments back to back and
 * nothing else (kcp-go without FEC or encryption adds no header of its own).
 * @throws InvalidPacketError when the datagram is shorter than a header, a segment's `len` runs past
 * the end, a command is not 81-84, or the segments do not share one `conv`. Nothing is returned for a
 * datagram with a fault, so a hostile one changes no state.
 */
export function decodeSegments(datagram: Uint8Array): Segment[] {
  if (datagram.length < SEGMENT_HEADER_BYTES) {
    throw new InvalidPacketError(
      `a KCP datagram needs at least ${SEGMENT_HEADER_BYTES} bytes, got ${datagram.length}`,
    )
  }
  const segments: Segment[] = []
  let at = 0
  while (datagram.length - at >= SEGMENT_HEADER_BYTES) {
    const conv = get32(datagram, at)
    const cmd = datagram[at + 4] as number
    const frg = datagram[at + 5] as number
    const wnd = (datagram[at + 6] as number) | ((datagram[at + 7] as number) << 8)
    const ts = get32(datagram, at + 8)
    const sn = get32(datagram, at + 12)
    const una = get32(datagram, at + 16)
    const length = get32(datagram, at + 20)
    const start = at + SEGMENT_HEADER_BYTES
    if (length > datagram.length - start) {
      throw new InvalidPacketError(
        `a KCP segment says it holds ${length} bytes but ${datagram.length - start} follow`,
      )
    }
    if (cmd < Command.PUSH || cmd > Command.WINS) {
      throw new InvalidPacketError(`unknown KCP command ${cmd} (expected 81-84)`)
    }
    const first = segments[0]
    if (first !== undefined && first.conv !== conv) {
      throw new InvalidPacketError(`one KCP datagram carries two conversations (${first.conv} and ${conv})`)
    }
    segments.push({
      conv,
      cmd: cmd as CommandCode,
      frg,
      wnd,
      ts,
      sn,
      una,
      data: length === 0 ? NO_DATA : datagram.subarray(start, start + length),
    })
    at = start + length
  }
  if (at !== datagram.length) {
    throw new InvalidPacketError(`${datagram.length - at} bytes after the last KCP segment are no segment`)
  }
  return segments
}

/** The `conv` of a datagram without decoding it, or undefined when it is too short to have one. */
export function convOf(datagram: Uint8Array): number | undefined {
  return datagram.length < SEGMENT_HEADER_BYTES ? undefined : get32(datagram, 0)
}

function put32(target: Uint8Array, at: number, value: number): number {
  target[at] = value & 0xff
  target[at + 1] = (value >>> 8) & 0xff
  target[at + 2] = (value >>> 16) & 0xff
  target[at + 3] = (value >>> 24) & 0xff
  return at + 4
}

function get32(source: Uint8Array, at: number): number {
  return (
    ((source[at] as number) |
      ((source[at + 1] as number) << 8) |
      ((source[at + 2] as number) << 16) |
      ((source[at + 3] as number) << 24)) >>>
    0
  )
}
