/**
 * The UTF-16/UTF-32/UTF-7 decoders of iconv-lite pass unpaired surrogates through; this turns them
 * into U+FFFD like every other invalid sequence. A high surrogate at the very end of a chunk is held
 * back, because its low half may start the next chunk.
 */
export class SurrogateRepair {
  #heldHigh = ''

  /** Repairs one decoded piece of a stream. */
  write(text: string): string {
    let joined = this.#heldHigh + text
    this.#heldHigh = ''
    const last = joined.charCodeAt(joined.length - 1)
    if (last >= 0xd800 && last <= 0xdbff) {
      this.#heldHigh = joined.slice(-1)
      joined = joined.slice(0, -1)
    }
    return replaceLoneSurrogates(joined)
  }

  /** The stream ended: a held high surrogate has no partner any more. */
  end(text: string): string {
    const repaired = replaceLoneSurrogates(this.#heldHigh + text)
    this.#heldHigh = ''
    return repaired
  }
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g

function replaceLoneSurrogates(text: string): string {
  return text.replace(LONE_SURROGATE, '\ufffd')
}
