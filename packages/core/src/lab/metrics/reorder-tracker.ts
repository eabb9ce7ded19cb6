import { growUint32 } from './growable.js'

/**
 * Reordering as RFC 4737 defines it, fed the sequence numbers of first copies in arrival order.
 *
 * A message is reordered when its sequence number is lower than the highest already seen (RFC 4737
 * §3.3, "NextExp"). Its extent (§4.2.1) is `j - i`, with `j` its arrival position and `i` the arrival
 * position of the earliest message with a higher sequence number. That earliest message is always a
 * record (a new highest), so only records are kept, in arrays sorted both by sequence number and by
 * arrival: an in-order message costs O(1), a reordered one a binary search, O(log records). Memory is
 * 8 bytes per record at most, typed arrays only.
 */
export class ReorderTracker {
  /** First copies that arrived below the highest sequence number seen. */
  reordered = 0
  /** The largest extent of any reordered message, 0 when none was. */
  maxExtent = 0
  private arrivals = 0
  private records = 0
  private recordSeq: Uint32Array
  private recordArrival: Uint32Array

  constructor(initialCapacity = 1024) {
    this.recordSeq = new Uint32Array(Math.max(16, initialCapacity))
    this.recordArrival = new Uint32Array(this.recordSeq.length)
  }

  /** Accounts one first copy; returns its reorder extent, 0 when it arrived in order. */
  observe(seq: number): number {
    const arrival = this.arrivals++
    const records = this.records
    if (records === 0 || seq > this.recordSeq[records - 1]!) {
      if (records === this.recordSeq.length) {
        this.recordSeq = growUint32(this.recordSeq, records + 1)
        this.recordArrival = growUint32(this.recordArrival, records + 1)
      }
      this.recordSeq[records] = seq
      this.recordArrival[records] = arrival
      this.records = records + 1
      return 0
    }
    // Equal to the highest can only be a duplicate, which the caller leaves out.
    if (seq === this.recordSeq[records - 1]) return 0
    let low = 0
    let high = records - 1
    while (low < high) {
      const middle = (low + high) >>> 1
      if (this.recordSeq[middle]! > seq) high = middle
      else low = middle + 1
    }
    const extent = arrival - this.recordArrival[low]!
    this.reordered++
    if (extent > this.maxExtent) this.maxExtent = extent
    return extent
  }
}
