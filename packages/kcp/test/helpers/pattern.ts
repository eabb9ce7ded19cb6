/**
 * The interop test pattern, the same as the Go peers' kcppattern package (peers/kcpgo/gopath/src/kcppattern): message i's size and bytes.
 * Sizes run from 1 B to 64 KiB, with the fragment boundaries (mss 1376 at mtu 1400) among them.
 */
export function sizeOf(i: number): number {
  if (i % 100 === 0) return 1
  if (i % 100 === 99) return 65536 - (Math.floor(i / 100) % 3)
  if (i % 100 === 50) return 1375 + (Math.floor(i / 100) % 3)
  return 1 + ((Math.imul(i, 2654435761 | 0) >>> 0) % 2048)
}

/** Message i: {@link sizeOf}(i) bytes derived from i and the position. */
export function messageOf(i: number): Uint8Array {
  const bytes = new Uint8Array(sizeOf(i))
  for (let j = 0; j < bytes.length; j++) bytes[j] = (i * 31 + j * 7 + (j >> 8)) & 0xff
  return bytes
}

/**
 * Checks a byte stream chunk by chunk against messages 0..count-1 sent back to back: kcp-go's Write
 * cuts a message into messages of at most mss bytes, so what comes back from it is checked as a stream.
 */
export class StreamChecker {
  private index = 0
  private offset = 0
  private expected: Uint8Array
  /** Bytes checked so far. */
  checked = 0

  constructor(private readonly count: number) {
    this.expected = messageOf(0)
  }

  /** True once every message was seen whole. */
  get done(): boolean {
    return this.index === this.count
  }

  /** @throws Error naming the message and byte where `chunk` differs from what was sent. */
  take(chunk: Uint8Array): void {
    let at = 0
    while (at < chunk.length) {
      if (this.index >= this.count) throw new Error(`${chunk.length - at} bytes more than were sent`)
      const take = Math.min(this.expected.length - this.offset, chunk.length - at)
      for (let k = 0; k < take; k++) {
        if (chunk[at + k] !== this.expected[this.offset + k]) {
          throw new Error(`message ${this.index} differs at byte ${this.offset + k}`)
        }
      }
      at += take
      this.offset += take
      this.checked += take
      if (this.offset === this.expected.length) this.next()
    }
    // A message of 0 bytes never comes: the pattern has none.
  }

  private next(): void {
    this.index++
    this.offset = 0
    if (this.index < this.count) this.expected = messageOf(this.index)
  }
}
