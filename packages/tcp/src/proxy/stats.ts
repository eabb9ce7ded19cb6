/** What a TCP relay did to the bytes of one direction, counted since it started. */
export interface StreamRelayCounts {
  /** Bytes written on (every byte read is written, unless a reset or a close cut the stream). */
  readonly bytes: number
  /** Writes made: with `sliceBytes` one per slice, so framing meets every split. */
  readonly writes: number
  /** Stalls injected (`stallEveryBytes`, `stallProbability`). */
  readonly stalls: number
  /** Segments lost by modelled loss, each held back (with the bytes after it) until TCP's recovery would deliver it. */
  readonly lostSegments: number
  /** Connections reset (RST) by the impairment. */
  readonly resets: number
}

/** Counts of a TCP relay; see {@link TcpProxy.stats}. */
export interface TcpProxyStats {
  /** Connections relayed now. */
  readonly connections: number
  /** Connections accepted since the relay started. */
  readonly accepted: number
  /** Connections closed at once because `maxConnections` were open. */
  readonly refused: number
  /** Connections closed at once because `acceptClient` said no. */
  readonly denied: number
  /** Connections whose server could not be reached (the client was reset). */
  readonly failed: number
  /** Client → server. */
  readonly toServer: StreamRelayCounts
  /** Server → client. */
  readonly toClient: StreamRelayCounts
}

/** The mutable counters behind {@link StreamRelayCounts}. */
export class StreamCounts implements StreamRelayCounts {
  bytes = 0
  writes = 0
  stalls = 0
  lostSegments = 0
  resets = 0

  snapshot(): StreamRelayCounts {
    return { ...this }
  }
}
