/** Characters JSON.stringify leaves as they are but a terminal may act on (DEL, C1, separators, bidi). */
const TERMINAL_UNSAFE = /[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g

/**
 * `value` as one line of JSON that is safe to print on a terminal: besides the control characters
 * JSON always escapes, DEL, C1 controls, line separators and bidirectional overrides are written
 * as `\uXXXX` too, so the line means the same to a parser and cannot drive the terminal.
 */
export function toJsonLine(value: unknown): string {
  return JSON.stringify(value).replace(
    TERMINAL_UNSAFE,
    (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`,
  )
}
