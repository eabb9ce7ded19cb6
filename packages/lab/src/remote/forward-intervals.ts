import type { LabInterval } from '@protolab/core'
import type { TcpConnectionInfo } from '../links/kernel/tcp-info.js'
import type { SentTally } from '../runner/intervals.js'

/**
 * A forward flow's intervals on the sending client. The counting server cuts what arrived into
 * intervals and sends each as it closes ({@link live}), then all of them in its `received` half
 * ({@link complete}); this side adds what it sent in each (`tally`, started at the server's
 * origin) and, over TCP, what its kernel did: the segments retransmitted since the interval before
 * and the congestion window, read from the connection (`ss -ti`) as the interval's line arrives.
 */
export class ForwardIntervals {
  private readonly all: LabInterval[] = []
  private pending: Promise<void> = Promise.resolve()
  private retransmitsSoFar = 0

  constructor(
    /** Counts the flow's messages per interval; give it to the send loop. */
    readonly tally: SentTally,
    private readonly readTcp: (() => Promise<TcpConnectionInfo | undefined>) | undefined,
    private readonly onInterval: ((interval: LabInterval) => void) | undefined,
  ) {}

  /** An interval the server sent as it closed: told, in order, once the kernel's numbers are read. */
  live(interval: LabInterval): void {
    this.pending = this.pending
      .then(async () => this.add(interval, 0, await this.readTcp?.()))
      .catch(() => {})
  }

  /**
   * Every interval of the flow, as the server's `received` half has them: those not yet told
   * are told, the last taking the messages sent and lost after the last arrival (`runLost` less
   * what the intervals counted) and the retransmits up to `finalTcp`, read once everything was
   * acknowledged.
   */
  async complete(
    counted: readonly LabInterval[],
    runLost: number,
    finalTcp: TcpConnectionInfo | null | undefined,
  ): Promise<LabInterval[]> {
    await this.pending
    const rest = counted.slice(this.all.length)
    const lostCounted = counted.reduce((sum, interval) => sum + interval.lost, 0)
    const tail = Math.max(0, runLost - lostCounted)
    for (const [index, interval] of rest.entries()) {
      const last = index === rest.length - 1
      this.add(interval, last ? tail : 0, last ? (finalTcp ?? undefined) : undefined, last)
    }
    const last = this.all.at(-1)
    if (rest.length === 0 && last !== undefined && tail > 0) {
      // Every interval was told already: the JSON still adds up.
      this.all[this.all.length - 1] = { ...last, lost: last.lost + tail }
    }
    return this.all
  }

  private add(
    interval: LabInterval,
    tailLost: number,
    tcp: TcpConnectionInfo | undefined,
    last = false,
  ): void {
    let kernel = {}
    if (tcp !== undefined) {
      kernel = { retransmits: Math.max(0, tcp.retransmits - this.retransmitsSoFar), cwnd: tcp.cwnd }
      this.retransmitsSoFar = Math.max(this.retransmitsSoFar, tcp.retransmits)
    }
    const complete: LabInterval = {
      ...interval,
      // The last interval ends at the last arrival: what was sent after it is sent in it too.
      sent: last ? this.tally.sentFrom(interval.startMs) : this.tally.sentIn(interval.startMs),
      lost: interval.lost + tailLost,
      ...kernel,
    }
    this.all.push(complete)
    this.onInterval?.(complete)
  }
}
