/**
 * Where a run's lost messages went, one place each; the values add up to the run's `lost`.
 *
 * - `impairment`: the relay or link decided to drop them (the loss model);
 * - `linkQueue`: the relay's or link's own queue (a rate limit's, a full delay queue) or socket buffer;
 * - `receiverBuffer`: the receiver's socket buffer (the kernel's per-socket `drops`) or its
 *   application queue;
 * - `sender`: the sender's kernel refused them (ENOBUFS, EAGAIN; `UdpSndbufErrors`);
 * - `unknown`: what no counter explains.
 */
export interface LostBy {
  readonly impairment: number
  readonly linkQueue: number
  readonly receiverBuffer: number
  readonly sender: number
  readonly unknown: number
}

/** What the counters along the path say was dropped where; undefined where nothing counts. */
export interface LossCounts {
  readonly impairment?: number | undefined
  readonly linkQueue?: number | undefined
  readonly receiverBuffer?: number | undefined
  readonly sender?: number | undefined
}

/**
 * Attributes `lost` messages to the places the counters name, in path order (sender, impairment,
 * link queue, receiver buffer), each at most what is left, so the values always add up to `lost`:
 * a counter can exceed the messages it cost (a dropped duplicate is counted but loses nothing), and
 * what the counters do not explain is `unknown`.
 */
export function attributeLoss(lost: number, counts: LossCounts): LostBy {
  let left = Math.max(0, lost)
  const take = (count: number | undefined): number => {
    const taken = Math.min(left, Math.max(0, count ?? 0))
    left -= taken
    return taken
  }
  const sender = take(counts.sender)
  const impairment = take(counts.impairment)
  const linkQueue = take(counts.linkQueue)
  const receiverBuffer = take(counts.receiverBuffer)
  return { impairment, linkQueue, receiverBuffer, sender, unknown: left }
}
