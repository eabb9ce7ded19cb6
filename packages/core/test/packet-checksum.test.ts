import { describe, expect, it } from 'vitest'
import {
  internetChecksum,
  isChecksumValid,
  onesComplementSum,
  pseudoHeaderSum,
  pseudoHeaderSumOf,
  updateChecksum,
} from '../src/packet/index.js'
import {
  fromHex,
  UDP_IPV4_CORRECT_CHECKSUM,
  UDP_IPV4_FRAME,
  WIKIPEDIA_IPV4_HEADER,
} from './fixtures/frames.js'

describe('Internet checksum', () => {
  it('matches RFC 1071 section 3 example: sum 0xddf2, checksum 0x220d', () => {
    const bytes = fromHex('0001 f203 f4f5 f6f7')
    expect(onesComplementSum(bytes)).toBe(0xddf2)
    expect(internetChecksum(bytes)).toBe(0x220d)
  })

  it("computes Wikipedia's IPv4 header example as 0xb861 and verifies it", () => {
    const header = WIKIPEDIA_IPV4_HEADER.slice()
    header[10] = 0
    header[11] = 0
    expect(internetChecksum(header)).toBe(0xb861)
    expect(isChecksumValid(WIKIPEDIA_IPV4_HEADER)).toBe(true)
    header[10] = 0xb8
    header[11] = 0x62
    expect(isChecksumValid(header)).toBe(false)
  })

  it('pads an odd last byte with zero', () => {
    expect(onesComplementSum(Uint8Array.of(0x12))).toBe(0x1200)
    expect(onesComplementSum(Uint8Array.of(0x12, 0x34, 0x56))).toBe(0x1234 + 0x5600)
  })

  it('folds carries (0xffff + 0x0001 sums to 0x0001)', () => {
    expect(onesComplementSum(fromHex('ffff 0001'))).toBe(0x0001)
  })

  it('sums in pieces the same as at once when the pieces have even lengths', () => {
    const bytes = fromHex('4500 0073 0000 4000 4011 0000 c0a8 0001 c0a8 00c7')
    const inPieces = onesComplementSum(bytes.subarray(6), onesComplementSum(bytes.subarray(0, 6)))
    expect(inPieces).toBe(onesComplementSum(bytes))
  })

  it('updates a checksum incrementally (RFC 1624) as a router decrementing the TTL does', () => {
    const header = WIKIPEDIA_IPV4_HEADER.slice()
    const oldWord = (header[8]! << 8) | header[9]!
    header[8] = header[8]! - 1
    const newWord = (header[8]! << 8) | header[9]!
    const updated = updateChecksum(0xb861, oldWord, newWord)
    header[10] = 0
    header[11] = 0
    expect(updated).toBe(internetChecksum(header))
  })

  it('gives the UDP checksum Wireshark calculated for a captured datagram (0x6a83)', () => {
    const udp = UDP_IPV4_FRAME.slice(34)
    udp[6] = 0
    udp[7] = 0
    const localhost = Uint8Array.of(127, 0, 0, 1)
    expect(internetChecksum(udp, pseudoHeaderSum(localhost, localhost, 17, udp.length))).toBe(
      UDP_IPV4_CORRECT_CHECKSUM,
    )
    const fromText = pseudoHeaderSumOf({ source: '127.0.0.1', destination: '127.0.0.1' }, 17, udp.length)
    expect(internetChecksum(udp, fromText)).toBe(UDP_IPV4_CORRECT_CHECKSUM)
  })

  it('refuses a pseudo-header of mixed families with a typed error', () => {
    expect(() => pseudoHeaderSumOf({ source: '127.0.0.1', destination: '::1' }, 17, 8)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
    )
    expect(() => pseudoHeaderSumOf({ source: '127.0.0.256', destination: '::1' }, 17, 8)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ADDRESS' }),
    )
  })
})
