/** Bytes as lowercase hex pairs separated by spaces: `c4 e3 ba c3`. */
export function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join(' ')
}
