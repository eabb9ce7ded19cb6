/** The longest piece of user input an error message repeats; the rest is cut with `...`. */
const MAX_QUOTED_CHARS = 60

/**
 * `text` as a quoted, escaped string for an error message: JSON escaping keeps the message on one
 * line and makes control characters visible, and long input is cut so a message stays readable.
 */
export function quote(text: string): string {
  const shown = text.length > MAX_QUOTED_CHARS ? `${text.slice(0, MAX_QUOTED_CHARS)}...` : text
  return JSON.stringify(shown)
}

/** True when `text` is one or more ASCII decimal digits. */
export function isDecimal(text: string): boolean {
  return /^[0-9]+$/.test(text)
}
