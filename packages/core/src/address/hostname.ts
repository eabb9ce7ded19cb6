import { quote } from './_text.js'

const MAX_NAME_CHARS = 253
const MAX_LABEL_CHARS = 63
const LABEL = /^[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?$/

/**
 * What is wrong with `text` as a host name, or `undefined` when it is one. RFC 1123 2.1 rules:
 * dot-separated labels of 1-63 letters, digits and hyphens, not starting or ending with a hyphen,
 * 253 characters in all (one trailing dot for the root is allowed); and, as RFC 1123 notes, the last
 * label is never all digits, so `1.2.3` or `256.1.1.1` is a broken IPv4 address, not a name.
 */
export function hostNameProblem(text: string): string | undefined {
  const name = text.endsWith('.') ? text.slice(0, -1) : text
  if (name === '') return 'it is empty'
  if (name.length > MAX_NAME_CHARS) return `it is longer than ${MAX_NAME_CHARS} characters`
  const labels = name.split('.')
  for (const label of labels) {
    if (label === '') return "a label is empty (two '.' in a row, or a '.' at the start?)"
    if (label.length > MAX_LABEL_CHARS)
      return `label ${quote(label)} is longer than ${MAX_LABEL_CHARS} characters`
    if (!LABEL.test(label)) {
      return label.startsWith('-') || label.endsWith('-')
        ? `label ${quote(label)} starts or ends with '-'`
        : `label ${quote(label)} has a character other than a letter, digit or '-'`
    }
  }
  if (/^[0-9]+$/.test(labels[labels.length - 1]!)) return 'its last label is all digits'
  return undefined
}

/** True when `text` is a valid host name by RFC 1123 (`localhost`, `example.com`). IP literals are not names. */
export function isHostName(text: string): boolean {
  return hostNameProblem(text) === undefined
}
