import { canEncode, encodeText } from '@protolab/core'

/**
 * The bytes of a line the user typed: `name: text` when a name is given (how a room learns who
 * speaks), encoded for the wire; `onLossy` hears of text the encoding cannot represent.
 */
export function encodeOutgoing(
  line: string,
  name: string | undefined,
  encoding: string,
  onLossy: (text: string) => void,
): Uint8Array {
  const text = name === undefined ? line : `${name}: ${line}`
  if (!canEncode(text, encoding)) onLossy(text)
  return encodeText(text, encoding)
}
