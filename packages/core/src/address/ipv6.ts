import { InvalidAddressError } from '../errors.js'
import { quote } from './_text.js'
import { formatIPv4, IPV4_BYTES, readIPv4 } from './ipv4.js'

/** The number of bytes in an IPv6 address. */
export const IPV6_BYTES = 16

const GROUPS = 8
const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/
const HEX_DIGITS = /^[0-9a-fA-F]+$/

/**
 * Reads IPv6 text into `out`. Returns what is wrong with the text, or `undefined` when it is valid.
 */
export function readIPv6(text: string, out: Uint8Array): string | undefined {
  if (text === '') return 'it is empty'
  const zone = text.indexOf('%')
  if (zone !== -1) return `zone id ${quote(text.slice(zone))} is not supported: give the address without it`
  if (text.includes(':::')) return "it has ':::' (at most two ':' in a row)"
  const gap = text.indexOf('::')
  if (gap !== -1 && text.includes('::', gap + 1)) return "'::' appears more than once"

  const head = splitGroups(gap === -1 ? text : text.slice(0, gap))
  const tail = splitGroups(gap === -1 ? '' : text.slice(gap + 2))
  const all = [...head, ...tail]
  const last = all[all.length - 1]
  const embedsIPv4 = last?.includes('.') === true
  const ipv4BeforeGap = embedsIPv4 && gap !== -1 && tail.length === 0
  if (ipv4BeforeGap || all.slice(0, -1).some((group) => group.includes('.'))) {
    return 'an embedded IPv4 address must be the last 32 bits'
  }

  const groupCount = all.length + (embedsIPv4 ? 1 : 0)
  if (gap === -1 && groupCount !== GROUPS) {
    return `it has ${groupCount} ${groupCount === 1 ? 'group' : 'groups'}, needs 8 (or '::' for a run of zero groups)`
  }
  if (gap !== -1 && groupCount > GROUPS - 1) {
    return `it has ${groupCount} groups and '::', at most 7 with '::'`
  }

  out.fill(0)
  if (embedsIPv4) {
    const problem = readIPv4(last!, out, IPV6_BYTES - IPV4_BYTES)
    if (problem !== undefined) return `embedded IPv4 ${quote(last!)}: ${problem}`
  }
  const hexTail = embedsIPv4 ? tail.slice(0, -1) : tail
  const hexHead = embedsIPv4 && gap === -1 ? head.slice(0, -1) : head
  const tailStart = GROUPS - hexTail.length - (embedsIPv4 ? 2 : 0)
  for (const [index, group] of hexHead.entries()) {
    const problem = writeGroup(group, out, index)
    if (problem !== undefined) return problem
  }
  for (const [index, group] of hexTail.entries()) {
    const problem = writeGroup(group, out, tailStart + index)
    if (problem !== undefined) return problem
  }
  return undefined
}

function splitGroups(text: string): string[] {
  return text === '' ? [] : text.split(':')
}

function writeGroup(group: string, out: Uint8Array, index: number): string | undefined {
  if (group === '') return "a group is empty (a single ':' at the start or end?)"
  if (!HEX_GROUP.test(group)) {
    return HEX_DIGITS.test(group)
      ? `group ${quote(group)} has more than 4 hex digits`
      : `group ${quote(group)} is not hexadecimal`
  }
  const value = Number.parseInt(group, 16)
  out[index * 2] = value >> 8
  out[index * 2 + 1] = value & 0xff
  return undefined
}

/**
 * Parses IPv6 text: full (`2001:0db8:0:0:0:0:0:1`), compressed (`2001:db8::1`, `::`), and with
 * embedded IPv4 in the last 32 bits (`::ffff:192.0.2.1`). Hex digits in either case.
 * Zone ids (`fe80::1%eth0`) are refused, not stripped: 16 bytes cannot carry the zone, and dropping
 * it silently would change which link the address means.
 * @throws InvalidAddressError saying what is wrong.
 */
export function parseIPv6(text: string): Uint8Array {
  const bytes = new Uint8Array(IPV6_BYTES)
  const problem = readIPv6(text, bytes)
  if (problem !== undefined) throw new InvalidAddressError(`invalid IPv6 address ${quote(text)}: ${problem}`)
  return bytes
}

/** True when `text` is an IPv6 address that {@link parseIPv6} accepts. */
export function isIPv6(text: string): boolean {
  return readIPv6(text, new Uint8Array(IPV6_BYTES)) === undefined
}

/** True when the 16 bytes are an IPv4-mapped IPv6 address (`::ffff:0:0/96`, RFC 4291 2.5.5.2). */
export function isIPv4Mapped(bytes: Uint8Array): boolean {
  checkIPv6Length(bytes)
  return bytes.subarray(0, 10).every((byte) => byte === 0) && bytes[10] === 0xff && bytes[11] === 0xff
}

/**
 * Formats 16 bytes as RFC 5952 text: lowercase, no leading zeros in a group, the longest run of two
 * or more zero groups (the first when tied) written `::`, and IPv4-mapped addresses in mixed
 * notation (`::ffff:192.0.2.1`).
 * @throws InvalidAddressError when `bytes` is not 16 bytes long.
 */
export function formatIPv6(bytes: Uint8Array): string {
  checkIPv6Length(bytes)
  if (isIPv4Mapped(bytes)) return `::ffff:${formatIPv4(bytes.subarray(12))}`
  const groups = readGroups(bytes)
  const run = longestZeroRun(groups)
  const hex = groups.map((group) => group.toString(16))
  if (run.length < 2) return hex.join(':')
  return `${hex.slice(0, run.start).join(':')}::${hex.slice(run.start + run.length).join(':')}`
}

/**
 * Formats 16 bytes as all eight groups of four hex digits (`2001:0db8:0000:0000:0000:0000:0000:0001`).
 * @throws InvalidAddressError when `bytes` is not 16 bytes long.
 */
export function expandIPv6(bytes: Uint8Array): string {
  checkIPv6Length(bytes)
  return readGroups(bytes)
    .map((group) => group.toString(16).padStart(4, '0'))
    .join(':')
}

function readGroups(bytes: Uint8Array): number[] {
  return Array.from({ length: GROUPS }, (_, index) => (bytes[index * 2]! << 8) | bytes[index * 2 + 1]!)
}

function longestZeroRun(groups: number[]): { start: number; length: number } {
  let best = { start: 0, length: 0 }
  let start = -1
  for (let index = 0; index <= groups.length; index++) {
    if (index < groups.length && groups[index] === 0) {
      if (start === -1) start = index
    } else if (start !== -1) {
      // Strictly longer: RFC 5952 4.2.3 keeps the first of equally long runs.
      if (index - start > best.length) best = { start, length: index - start }
      start = -1
    }
  }
  return best
}

function checkIPv6Length(bytes: Uint8Array): void {
  if (bytes.length !== IPV6_BYTES) {
    throw new InvalidAddressError(`an IPv6 address is 16 bytes, got ${bytes.length}`)
  }
}
