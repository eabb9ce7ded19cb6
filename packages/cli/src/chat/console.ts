import { clearLine, createInterface, cursorTo, type Interface } from 'node:readline'
import { MessageQueue } from '@protolab/core'
import type { CliIO } from '../io.js'

/** The prompt shown while the user types on a terminal. */
const PROMPT = '> '

/**
 * The chat's side of the terminal: lines the user types, and lines to show. On a terminal the user
 * types at a prompt, and a line shown meanwhile is printed above it, the half-typed line redrawn
 * intact below. With standard input piped it reads line by line and prints plainly, for scripts.
 */
export class ChatConsole implements AsyncIterable<string> {
  readonly #io: CliIO
  readonly #readline: Interface
  readonly #lines = new MessageQueue<string>()
  readonly #interactive: boolean
  #closed = false

  constructor(io: CliIO) {
    this.#io = io
    this.#interactive = io.isTTY.stdin && io.isTTY.stdout
    this.#readline = createInterface({
      input: io.stdin,
      output: this.#interactive ? io.stdout : undefined,
      terminal: this.#interactive,
      crlfDelay: Number.POSITIVE_INFINITY,
      prompt: PROMPT,
    })
    this.#readline.on('line', (line) => {
      this.#lines.push(line)
      if (this.#interactive && !this.#closed) this.#readline.prompt()
    })
    // End of input (Ctrl-D, a pipe's end) and Ctrl-C on the terminal both end the chat.
    this.#readline.on('close', () => this.close())
    this.#readline.on('SIGINT', () => this.close())
    if (this.#interactive) this.#readline.prompt()
  }

  /** True when a person types at a prompt (both stdin and stdout are a terminal). */
  get interactive(): boolean {
    return this.#interactive
  }

  /** The lines the user enters, until end of input, Ctrl-C or {@link close}. */
  [Symbol.asyncIterator](): AsyncIterator<string> {
    return this.#lines[Symbol.asyncIterator]()
  }

  /** Shows a line of the conversation on stdout; on a terminal, above the prompt and the line being typed. */
  show(line: string): void {
    if (!this.#interactive || this.#closed) {
      this.#io.stdout.write(`${line}\n`)
      return
    }
    clearLine(this.#io.stdout, 0)
    cursorTo(this.#io.stdout, 0)
    this.#io.stdout.write(`${line}\n`)
    // Redraws the prompt and what was typed so far, with the cursor where it was.
    this.#readline.prompt(true)
  }

  /** Shows a status line (who connected, why the chat ended): above the prompt, or on stderr when piped. */
  status(line: string): void {
    if (this.#interactive) this.show(line)
    else this.#io.stderr.write(`${line}\n`)
  }

  /** Stops reading input; the lines iterator ends. Idempotent. */
  close(): void {
    if (this.#closed) return
    this.#closed = true
    this.#lines.end()
    this.#readline.close()
    if (this.#interactive) this.#io.stdout.write('\n')
  }
}
