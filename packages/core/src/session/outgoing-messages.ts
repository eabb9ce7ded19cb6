import { createInterface } from 'node:readline'
import type { Readable } from 'node:stream'
import type { FramingName } from '../framing/types.js'
import { canEncode, encodeText } from '../text/codec.js'

/** Where the messages to send come from, and how to cut and encode them. */
export interface OutgoingSource {
  /** Text given directly (the command line's words); when empty, `stdin` is read. */
  readonly text: readonly string[]
  /** The stream read when there is no text: standard input, typed or piped in. */
  readonly stdin: Readable
  readonly framing: FramingName
  /** The encoding on the wire. What is typed or piped in is read as UTF-8, as the terminal writes it. */
  readonly encoding: string
  /** UDP sends raw input as one datagram; TCP streams it chunk by chunk. */
  readonly wholeInput: boolean
  /** Stops reading `stdin`. */
  readonly signal: AbortSignal
  /** Called for text that the encoding cannot represent (it is sent with substitutes, `?`). */
  readonly onLossyText?: (text: string) => void
}

/**
 * The messages to send: with `line` or `length` framing one message per line (its `\n` or `\r\n`
 * removed); with `raw` the whole text, or all of standard input (chunk by chunk for a stream).
 * Text given directly is joined with spaces, as `echo` does. Input that is not UTF-8 text on the
 * way in is read as UTF-8 and transcoded to `encoding` (raw UTF-8 passes byte for byte).
 */
export async function* outgoingMessages(source: OutgoingSource): AsyncGenerator<Uint8Array> {
  const encode = (text: string): Uint8Array => {
    if (source.onLossyText !== undefined && !canEncode(text, source.encoding)) source.onLossyText(text)
    return encodeText(text, source.encoding)
  }
  if (source.text.length > 0) {
    const text = source.text.join(' ')
    if (source.framing === 'raw') {
      yield encode(text)
      return
    }
    for (const line of text.replace(/\r?\n$/, '').split(/\r?\n/)) yield encode(line)
    return
  }
  if (source.framing !== 'raw') {
    yield* linesOf(source.stdin, source.signal, encode)
    return
  }
  yield* rawInput(source, encode)
}

async function* linesOf(
  stdin: Readable,
  signal: AbortSignal,
  encode: (text: string) => Uint8Array,
): AsyncGenerator<Uint8Array> {
  const lines = createInterface({ input: stdin, crlfDelay: Number.POSITIVE_INFINITY, terminal: false })
  const stop = (): void => lines.close()
  signal.addEventListener('abort', stop, { once: true })
  try {
    for await (const line of lines) yield encode(line)
  } finally {
    signal.removeEventListener('abort', stop)
    lines.close()
  }
}

/** Raw input: UTF-8 passes through byte for byte; any other encoding is transcoded from UTF-8. */
async function* rawInput(
  source: OutgoingSource,
  encode: (text: string) => Uint8Array,
): AsyncGenerator<Uint8Array> {
  const utf8 = /^utf-?8$/i.test(source.encoding)
  const decoder = new TextDecoder('utf-8')
  const chunks: Uint8Array[] = []
  const stop = (): void => {
    source.stdin.destroy()
  }
  source.signal.addEventListener('abort', stop, { once: true })
  try {
    for await (const chunk of source.stdin as AsyncIterable<Uint8Array | string>) {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk
      if (source.wholeInput) chunks.push(bytes)
      else if (utf8) yield bytes
      else {
        const text = decoder.decode(bytes, { stream: true })
        // A chunk that ends inside a character may hold no whole one yet.
        if (text !== '') yield encode(text)
      }
    }
  } catch (error) {
    if (!source.signal.aborted) throw error
  } finally {
    source.signal.removeEventListener('abort', stop)
  }
  if (!source.wholeInput) {
    const rest = decoder.decode()
    if (!utf8 && rest !== '') yield encode(rest)
    return
  }
  const all = Buffer.concat(chunks)
  // Empty input sends nothing, as `printf '' | nc -u` does.
  if (all.length > 0) yield utf8 ? all : encode(decoder.decode(all))
}
