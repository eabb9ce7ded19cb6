/**
 * Characters that can drive or spoof a terminal: C0 controls (including ESC, CR, LF, TAB), DEL,
 * C1 controls, the Unicode line and paragraph separators, and the bidirectional overrides and
 * isolates that can reorder what is shown.
 */
const UNSAFE = /[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g
const UNSAFE_TEST = /[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/

const NAMED_ESCAPES: Readonly<Record<string, string>> = { '\t': '\\t', '\n': '\\n', '\r': '\\r' }

/**
 * Makes text from a peer safe to print: every control character is shown as an escape (`\x1b`,
 * `\r`, `\n`, `\t`, `\x7f`, `\x85`, `\u202e`), so no peer can move the cursor, clear the screen,
 * rewrite a line or set the window title. Printable text, CJK and emoji included, is kept as it is;
 * a string with nothing to escape is returned unchanged without copying. Backslashes are not
 * doubled, so the output is for reading, not for parsing back.
 */
export function escapeControlCharacters(text: string): string {
  if (!UNSAFE_TEST.test(text)) return text
  return text.replace(UNSAFE, escapeOne)
}

function escapeOne(character: string): string {
  const named = NAMED_ESCAPES[character]
  if (named !== undefined) return named
  const code = character.charCodeAt(0)
  return code <= 0xff
    ? `\\x${code.toString(16).padStart(2, '0')}`
    : `\\u${code.toString(16).padStart(4, '0')}`
}
