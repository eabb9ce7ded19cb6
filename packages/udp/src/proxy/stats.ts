/** What a UDP relay did to the datagrams of one direction, counted since it started. */
export interface DatagramRelayCounts {
  /** Datagrams that reached the relay. */
  readonly received: number
  /** Datagrams sent on, each copy of a duplicate counted. */
  readonly forwarded: number
  /** Datagrams dropped: by the loss model, or because a queue (rate limit, delay, reordering) was full. */
  readonly dropped: number
  /** Of `dropped`, those dropped because a queue (the rate limit's, or the delay and reordering queue) was full. */
  readonly queueDropped: number
  /** Extra copies sent. */
  readonly duplicated: number
  /** Datagrams held back to be overtaken. */
  readonly reordered: number
  /** Datagrams with a byte flipped. */
  readonly corrupted: number
  /** Bytes sent on, each copy counted. */
  readonly bytes: number
}

/** Counts of a UDP relay; see {@link UdpProxy.stats}. */
export interface UdpProxyStats {
  /** Clients relayed now. */
  readonly clients: number
  /** Datagrams from new clients dropped because `maxClients` were already relayed. */
  readonly refused: number
  /** Datagrams dropped because `acceptClient` refused their sender. */
  readonly denied: number
  /** Datagrams that reached an upstream socket from anyone but the server, ignored. */
  readonly foreign: number
  /** Client → server. */
  readonly toServer: DatagramRelayCounts
  /** Server → client. */
  readonly toClient: DatagramRelayCounts
}

/** The mutable counters behind {@link DatagramRelayCounts}. */
export class DirectionCounts implements DatagramRelayCounts {
  received = 0
  forwarded = 0
  dropped = 0
  queueDropped = 0
  duplicated = 0
  reordered = 0
  corrupted = 0
  bytes = 0

  snapshot(): DatagramRelayCounts {
    return { ...this }
  }
}
