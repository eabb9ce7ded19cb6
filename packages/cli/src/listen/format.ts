import { formatHostPort, type SocketAddress } from '@protolab/core'
import type { OutputFormat } from '../options/output.js'
import { hexDump } from '../output/hex-dump.js'
import { toJsonLine } from '../output/json-line.js'
import { showPeerText } from '../output/peer-text.js'

/** One message as `protolab listen` shows it. */
export interface ReceivedMessage {
  readonly from: SocketAddress
  readonly payload: Uint8Array
  /** The payload decoded in the chosen encoding. */
  readonly text: string
  /** The datagram was longer than `--max-bytes` and was cut to `maxBytes`. */
  readonly truncated: boolean
  readonly maxBytes: number | undefined
  readonly time: Date
}

/**
 * How messages are printed: text (the default), a hex dump, or JSON lines; `raw` keeps control
 * characters; `output: 'bytes'` writes each payload unchanged (with `json`, in base64).
 */
export interface ListenFormat {
  readonly json?: boolean
  readonly hex?: boolean
  readonly raw?: boolean
  readonly output?: OutputFormat
}

/**
 * Formats a message for standard output, ending with a newline:
 * - text: `[127.0.0.1:53122] 你好` (`[[::1]:53122] ...` for IPv6), control characters made visible;
 * - `--hex`: `[127.0.0.1:53122] 6 bytes` then a `hexdump -C` style dump;
 * - `--json`: `{"from","address","port","bytes","text","truncated","time"}` on one line;
 *   with `-o bytes`, `payload` (base64) in place of `text`;
 * - `-o bytes`: the payload itself, nothing added.
 */
export function formatReceived(message: ReceivedMessage, format: ListenFormat): string | Uint8Array {
  const from = formatHostPort(message.from.address, message.from.port)
  const bytes = format.output === 'bytes'
  if (format.json) {
    return `${toJsonLine({
      from,
      address: message.from.address,
      port: message.from.port,
      bytes: message.payload.length,
      ...(bytes ? { payload: Buffer.from(message.payload).toString('base64') } : { text: message.text }),
      truncated: message.truncated,
      time: message.time.toISOString(),
    })}\n`
  }
  if (bytes) return message.payload
  const mark = message.truncated ? ` [truncated to ${message.maxBytes ?? message.payload.length} bytes]` : ''
  if (format.hex) {
    const size = `${message.payload.length} byte${message.payload.length === 1 ? '' : 's'}`
    return [`[${from}] ${size}${mark}`, ...hexDump(message.payload).map((line) => `  ${line}`), ''].join('\n')
  }
  return `[${from}] ${showPeerText(message.text, format)}${mark}\n`
}
