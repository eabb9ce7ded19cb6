import dgram, { type Socket } from 'node:dgram'
import { decodeSegments, encodeSegments, type Segment } from '@protolab/kcp'

/** A plain UDP socket that speaks KCP by hand: it sends any bytes and reads segments, to play a hostile or odd peer. */
export interface RawPeer {
  readonly socket: Socket
  readonly port: number
  /** Sends raw bytes to `port` on the peer's loopback. */
  send(bytes: Uint8Array, port: number): Promise<void>
  /** Sends segments packed in one datagram. */
  sendSegments(segments: Segment[], port: number): Promise<void>
  /** Resolves with the first received segment that `match` accepts, and the port it came from. */
  next(match: (segment: Segment) => boolean): Promise<{ segment: Segment; port: number }>
  close(): Promise<void>
}

/** Opens a {@link RawPeer} on `host`, port chosen by the OS. */
export async function rawPeer(host = '127.0.0.1'): Promise<RawPeer> {
  const socket = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4')
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject)
    socket.bind(0, host, () => resolve())
  })
  const waiters: {
    match: (s: Segment) => boolean
    resolve: (v: { segment: Segment; port: number }) => void
  }[] = []
  socket.on('message', (datagram, rinfo) => {
    let segments: Segment[]
    try {
      segments = decodeSegments(datagram)
    } catch {
      return
    }
    for (const segment of segments) {
      const index = waiters.findIndex((w) => w.match(segment))
      if (index >= 0) waiters.splice(index, 1)[0]?.resolve({ segment, port: rinfo.port })
    }
  })
  const send = (bytes: Uint8Array, port: number) =>
    new Promise<void>((resolve, reject) => socket.send(bytes, port, host, (e) => (e ? reject(e) : resolve())))
  return {
    socket,
    port: socket.address().port,
    send,
    sendSegments: (segments, port) => send(encodeSegments(segments), port),
    next: (match) => new Promise((resolve) => waiters.push({ match, resolve })),
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  }
}

/** A PUSH segment with the given fields over defaults. */
export function push(fields: Partial<Segment> & { conv: number }): Segment {
  return { cmd: 81, frg: 0, wnd: 128, ts: 0, sn: 0, una: 0, data: new Uint8Array([1, 2, 3]), ...fields }
}
