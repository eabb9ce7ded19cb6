import { escapeControlCharacters } from '@protolab/core'

/** How peer text is shown: made terminal-safe, unless `--raw`. */
export interface PeerTextOptions {
  readonly raw?: boolean
}

/**
 * Peer text ready for one line of output: its own line ending (`\n` or `\r\n`) removed, since the
 * output adds one, and every control character made visible (`\x1b`, `\r`) unless `raw`, so no
 * peer can drive the terminal.
 */
export function showPeerText(text: string, options: PeerTextOptions = {}): string {
  const line = text.endsWith('\r\n') ? text.slice(0, -2) : text.endsWith('\n') ? text.slice(0, -1) : text
  return options.raw ? line : escapeControlCharacters(line)
}
