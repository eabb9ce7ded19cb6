/** Bytes shown on one line of a hex dump. */
const BYTES_PER_LINE = 16

/**
 * A hex dump as `hexdump -C` prints one: offset, 16 bytes in hex (split in two groups of 8), and
 * the printable ASCII bytes between bars, any other byte shown as `.`. One string per line.
 */
export function hexDump(bytes: Uint8Array): string[] {
  const lines: string[] = []
  for (let offset = 0; offset < bytes.length; offset += BYTES_PER_LINE) {
    const row = bytes.subarray(offset, offset + BYTES_PER_LINE)
    let hex = ''
    let ascii = ''
    for (let index = 0; index < BYTES_PER_LINE; index++) {
      const byte = row[index]
      if (index === 8) hex += ' '
      hex += byte === undefined ? '   ' : `${byte.toString(16).padStart(2, '0')} `
      if (byte !== undefined) ascii += byte >= 0x20 && byte < 0x7f ? String.fromCharCode(byte) : '.'
    }
    lines.push(`${offset.toString(16).padStart(8, '0')}  ${hex} |${ascii}|`)
  }
  return lines
}
