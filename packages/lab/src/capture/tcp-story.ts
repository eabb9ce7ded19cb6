import type { TcpFlags } from '@protolab/core'

/** One TCP segment of a capture, as the story needs it. */
export interface TcpSegment {
  /** The packet's number in the capture, from 1. */
  readonly number: number
  /** `127.0.0.1:53122` or `[::1]:53122`. */
  readonly source: string
  readonly destination: string
  readonly seq: number
  readonly ack: number
  readonly flags: TcpFlags
  readonly payloadLength: number
}

/** A segment sent again: its number, its sequence number relative to the sender's first, and where it was first sent. */
export interface Retransmission {
  readonly number: number
  readonly from: string
  readonly relativeSeq: number
  readonly firstSentIn: number
}

/** What happened on one TCP connection of a capture, as four one-line summaries and their data. */
export interface TcpStory {
  /** The side that sent the first SYN (or the first segment, when the handshake was not captured). */
  readonly client: string
  readonly server: string
  /** The numbers of the connection's packets. */
  readonly packets: readonly number[]
  readonly handshake: {
    readonly syn?: number
    readonly synAck?: number
    readonly ack?: number
    readonly complete: boolean
    readonly line: string
  }
  readonly data: {
    readonly clientToServer: { readonly bytes: number; readonly segments: number }
    readonly serverToClient: { readonly bytes: number; readonly segments: number }
    readonly line: string
  }
  readonly retransmissions: { readonly segments: readonly Retransmission[]; readonly line: string }
  readonly close: {
    readonly state: 'open' | 'half-closed' | 'closed' | 'reset'
    readonly fins: readonly { readonly from: string; readonly number: number }[]
    readonly reset?: { readonly from: string; readonly number: number }
    readonly lastAck?: number
    readonly line: string
  }
}

/**
 * Tells each TCP connection's story from its segments: the handshake, the data each way, the
 * retransmissions (a segment with data, SYN or FIN whose sequence number was already sent), and
 * the close (FIN both ways and the last ACK, or a reset).
 */
export function tellTcpStories(segments: readonly TcpSegment[]): TcpStory[] {
  const connections = new Map<string, TcpSegment[]>()
  for (const segment of segments) {
    const key = [segment.source, segment.destination].sort().join(' ')
    const list = connections.get(key)
    if (list === undefined) connections.set(key, [segment])
    else list.push(segment)
  }
  return [...connections.values()].map(tellOne)
}

function tellOne(segments: readonly TcpSegment[]): TcpStory {
  const first = segments[0]!
  const opening = segments.find((segment) => segment.flags.syn && !segment.flags.ack)
  const client = opening?.source ?? first.source
  const server = client === first.source ? first.destination : first.source
  return {
    client,
    server,
    packets: segments.map((segment) => segment.number),
    handshake: handshakeOf(segments, client),
    data: dataOf(segments, client),
    retransmissions: retransmissionsOf(segments),
    close: closeOf(segments),
  }
}

function handshakeOf(segments: readonly TcpSegment[], client: string): TcpStory['handshake'] {
  const syn = segments.find((segment) => segment.source === client && segment.flags.syn && !segment.flags.ack)
  const synAck =
    syn &&
    segments.find(
      (segment) =>
        segment.number > syn.number && segment.source !== client && segment.flags.syn && segment.flags.ack,
    )
  const ack =
    synAck &&
    segments.find(
      (segment) =>
        segment.number > synAck.number &&
        segment.source === client &&
        segment.flags.ack &&
        !segment.flags.syn &&
        segment.ack === (synAck.seq + 1) >>> 0,
    )
  const complete = ack !== undefined
  let line: string
  if (syn === undefined) line = 'handshake: not captured (the connection was open before the capture began)'
  else if (synAck === undefined) line = `handshake: SYN #${syn.number}, no SYN-ACK: the server did not answer`
  else if (ack === undefined) line = `handshake: SYN #${syn.number}, SYN-ACK #${synAck.number}, no final ACK`
  else line = `handshake: SYN #${syn.number}, SYN-ACK #${synAck.number}, ACK #${ack.number}: connected`
  return {
    ...(syn ? { syn: syn.number } : {}),
    ...(synAck ? { synAck: synAck.number } : {}),
    ...(ack ? { ack: ack.number } : {}),
    complete,
    line,
  }
}

function dataOf(segments: readonly TcpSegment[], client: string): TcpStory['data'] {
  const resent = new Set(retransmissionsOf(segments).segments.map((segment) => segment.number))
  const count = (fromClient: boolean) => {
    const carrying = segments.filter(
      (segment) =>
        (segment.source === client) === fromClient &&
        segment.payloadLength > 0 &&
        !resent.has(segment.number),
    )
    return {
      bytes: carrying.reduce((sum, segment) => sum + segment.payloadLength, 0),
      segments: carrying.length,
    }
  }
  const clientToServer = count(true)
  const serverToClient = count(false)
  const describe = (flow: { bytes: number; segments: number }) =>
    `${plural(flow.bytes, 'byte')} in ${plural(flow.segments, 'segment')}`
  return {
    clientToServer,
    serverToClient,
    line: `data: client → server ${describe(clientToServer)}; server → client ${describe(serverToClient)}`,
  }
}

function retransmissionsOf(segments: readonly TcpSegment[]): TcpStory['retransmissions'] {
  const firstSeq = new Map<string, number>()
  const sent = new Map<string, number>()
  const found: Retransmission[] = []
  for (const segment of segments) {
    if (!firstSeq.has(segment.source)) {
      // Relative numbers as Wireshark shows them: the SYN is 0, so the first data byte is 1.
      firstSeq.set(segment.source, segment.flags.syn ? segment.seq : (segment.seq - 1) >>> 0)
    }
    const occupiesSequence = segment.payloadLength > 0 || segment.flags.syn || segment.flags.fin
    if (!occupiesSequence) continue
    const key = `${segment.source} ${segment.seq}`
    const earlier = sent.get(key)
    if (earlier === undefined) {
      sent.set(key, segment.number)
      continue
    }
    found.push({
      number: segment.number,
      from: segment.source,
      relativeSeq: (segment.seq - firstSeq.get(segment.source)!) >>> 0,
      firstSentIn: earlier,
    })
  }
  const line =
    found.length === 0
      ? 'retransmissions: none'
      : `retransmissions: ${found.length}: ${found
          .map(
            (segment) =>
              `#${segment.number} (seq ${segment.relativeSeq}, first sent in #${segment.firstSentIn})`,
          )
          .join(', ')}`
  return { segments: found, line }
}

function closeOf(segments: readonly TcpSegment[]): TcpStory['close'] {
  const reset = segments.find((segment) => segment.flags.rst)
  const fins: { from: string; number: number; seq: number; payloadLength: number }[] = []
  for (const segment of segments) {
    if (segment.flags.fin && !fins.some((fin) => fin.from === segment.source)) {
      fins.push({
        from: segment.source,
        number: segment.number,
        seq: segment.seq,
        payloadLength: segment.payloadLength,
      })
    }
  }
  const finList = fins.map(({ from, number }) => ({ from, number }))
  if (reset !== undefined) {
    return {
      state: 'reset',
      fins: finList,
      reset: { from: reset.source, number: reset.number },
      line: `close: reset (RST) by ${reset.source} in #${reset.number}`,
    }
  }
  const finText = fins.map((fin) => `FIN from ${fin.from} #${fin.number}`).join(', ')
  if (fins.length === 0)
    return { state: 'open', fins: finList, line: 'close: none, still open at the end of the capture' }
  if (fins.length === 1) {
    return {
      state: 'half-closed',
      fins: finList,
      line: `close: ${finText}; the other side had not closed yet`,
    }
  }
  const second = fins[1]!
  const lastAck = segments.find(
    (segment) =>
      segment.number > second.number &&
      segment.source !== second.from &&
      segment.flags.ack &&
      segment.ack === (second.seq + second.payloadLength + 1) >>> 0,
  )
  return {
    state: 'closed',
    fins: finList,
    ...(lastAck ? { lastAck: lastAck.number } : {}),
    line: `close: ${finText}, ${lastAck ? `last ACK #${lastAck.number}: closed` : 'no last ACK captured'}`,
  }
}

/** `1 byte`, `5 bytes`. */
function plural(count: number, unit: string): string {
  return `${count} ${unit}${count === 1 ? '' : 's'}`
}
