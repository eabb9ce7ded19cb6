import { Command, decodeSegments, encodeSegment, encodeSegments, SEGMENT_HEADER_BYTES } from '@protolab/kcp'
import { describe, expect, it } from 'vitest'

/** A PUSH as ikcp's `ikcp_encode_seg` writes it: every field little-endian, then the data. */
const PUSH_BYTES = Uint8Array.from([
  0x78,
  0x56,
  0x34,
  0x12, // conv 0x12345678
  81, // cmd PUSH
  2, // frg: two more fragments follow
  0x80,
  0x00, // wnd 128
  0x10,
  0x27,
  0x00,
  0x00, // ts 10000
  0x05,
  0x00,
  0x00,
  0x00, // sn 5
  0x03,
  0x00,
  0x00,
  0x00, // una 3
  0x03,
  0x00,
  0x00,
  0x00, // len 3
  0x61,
  0x62,
  0x63, // "abc"
])

/** An ACK for sn 0xfffffffe echoing ts 0x01020304, with the top bits of every field set. */
const ACK_BYTES = Uint8Array.from([
  0xef, 0xbe, 0xad, 0xde, 82, 0, 0xff, 0xff, 0x04, 0x03, 0x02, 0x01, 0xfe, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00,
  0x80, 0, 0, 0, 0,
])

const PUSH = {
  conv: 0x12345678,
  cmd: Command.PUSH,
  frg: 2,
  wnd: 128,
  ts: 10_000,
  sn: 5,
  una: 3,
  data: Uint8Array.from([0x61, 0x62, 0x63]),
}
const ACK = {
  conv: 0xdeadbeef,
  cmd: Command.ACK,
  frg: 0,
  wnd: 0xffff,
  ts: 0x01020304,
  sn: 0xfffffffe,
  una: 0x80000000,
  data: new Uint8Array(0),
}

describe('KCP segment codec', () => {
  it('emits the known bytes of a PUSH and of an ACK', () => {
    expect(Array.from(encodeSegments([PUSH]))).toEqual(Array.from(PUSH_BYTES))
    expect(Array.from(encodeSegments([ACK]))).toEqual(Array.from(ACK_BYTES))
  })

  it('parses the known bytes back into the same fields', () => {
    const [push] = decodeSegments(PUSH_BYTES)
    expect({ ...push, data: Array.from(push?.data ?? []) }).toEqual({ ...PUSH, data: [0x61, 0x62, 0x63] })
    const [ack] = decodeSegments(ACK_BYTES)
    expect({ ...ack, data: Array.from(ack?.data ?? []) }).toEqual({ ...ACK, conv: 0xdeadbeef, data: [] })
  })

  it('reads several segments of one conv packed in one datagram, as a flush packs them', () => {
    const ack = { ...ACK, conv: PUSH.conv }
    const datagram = encodeSegments([ack, PUSH, ack])
    expect(datagram.length).toBe(3 * SEGMENT_HEADER_BYTES + 3)
    expect(decodeSegments(datagram).map((segment) => segment.cmd)).toEqual([82, 81, 82])
  })

  it('writes at an offset and refuses to write past the end', () => {
    const target = new Uint8Array(SEGMENT_HEADER_BYTES + 3 + 4)
    expect(encodeSegment(PUSH, target, 4)).toBe(target.length)
    expect(Array.from(target.subarray(4))).toEqual(Array.from(PUSH_BYTES))
    expect(() => encodeSegment(PUSH, target, 5)).toThrow(RangeError)
  })

  it('refuses a datagram shorter than a header', () => {
    for (const length of [0, 1, 23]) {
      expect(() => decodeSegments(PUSH_BYTES.subarray(0, length))).toThrow(
        expect.objectContaining({ code: 'ERR_INVALID_PACKET' }),
      )
    }
  })

  it('refuses a `len` that runs past the end, and bytes after the last segment', () => {
    expect(() => decodeSegments(PUSH_BYTES.subarray(0, PUSH_BYTES.length - 1))).toThrow(
      /3 bytes but 2 follow/,
    )
    const longer = new Uint8Array(PUSH_BYTES.length + 5)
    longer.set(PUSH_BYTES)
    expect(() => decodeSegments(longer)).toThrow(/5 bytes after the last KCP segment/)
    const huge = PUSH_BYTES.slice()
    huge.set([0xff, 0xff, 0xff, 0xff], 20)
    expect(() => decodeSegments(huge)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_PACKET' }))
  })

  it('refuses a command outside 81-84, and two conversations in one datagram', () => {
    for (const cmd of [0, 80, 85, 0xf1]) {
      const bytes = PUSH_BYTES.slice()
      bytes[4] = cmd
      expect(() => decodeSegments(bytes)).toThrow(`unknown KCP command ${cmd}`)
    }
    const mixed = encodeSegments([PUSH, { ...PUSH, conv: 7 }])
    expect(() => decodeSegments(mixed)).toThrow(/two conversations/)
  })
})
