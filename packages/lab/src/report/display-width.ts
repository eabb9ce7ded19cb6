import stringWidth from 'string-width'

/** Columns `text` takes on a terminal: CJK and emoji count two, combining marks none. */
export function displayWidth(text: string): number {
  return stringWidth(text)
}

/** `text` padded on the left to `width` terminal columns. */
export function padStartDisplay(text: string, width: number): string {
  return ' '.repeat(Math.max(0, width - displayWidth(text))) + text
}

/** `text` padded on the right to `width` terminal columns. */
export function padEndDisplay(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - displayWidth(text)))
}
