import { InvalidArgumentError } from '../errors.js'
import { formatIP } from './ip.js'

/**
 * Parses one address column of Linux's /proc/net/{tcp,udp}{,6}, `0100007F:1F90` (address hex,
 * port hex), into an address and a port. `addressHexLength` is 8 for IPv4 and 32 for IPv6;
 * `where` names the input in the error.
 * @throws {InvalidArgumentError} when the column is malformed.
 */
export function parseProcNetEnd(
  text: string,
  addressHexLength: number,
  where: string,
): { address: string; port: number } {
  const [addressHex = '', portHex = ''] = text.split(':')
  if (
    addressHex.length !== addressHexLength ||
    !/^[0-9A-F]+$/.test(addressHex) ||
    !/^[0-9A-F]{4}$/.test(portHex)
  ) {
    throw new InvalidArgumentError(`${where} has a malformed address '${text}'`)
  }
  const bytes = new Uint8Array(addressHexLength / 2)
  // Each 8-hex-digit group is one 32-bit word printed in host (little-endian) order.
  for (let word = 0; word < addressHexLength / 8; word++) {
    for (let byte = 0; byte < 4; byte++) {
      const offset = word * 8 + (3 - byte) * 2
      bytes[word * 4 + byte] = Number.parseInt(addressHex.slice(offset, offset + 2), 16)
    }
  }
  return { address: formatIP(bytes), port: Number.parseInt(portHex, 16) }
}
