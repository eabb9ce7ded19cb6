import {
  type ArqConfig,
  Command,
  ControlBlock,
  decodeSegments,
  encodeSegments,
  PROBE_INITIAL_MS,
} from '@protolab/kcp'
import { describe, expect, it } from 'vitest'

const CONFIG: ArqConfig = {
  nodelay: true,
  interval: 10,
  resend: 2,
  nc: false,
  sndwnd: 64,
  rcvwnd: 64,
  mtu: 1400,
  stream: false,
  ackNoDelay: false,
}

/** A seeded generator (mulberry32), so a lossy run repeats exactly. */
function random(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Two control blocks joined by queues of datagrams that lose `loss` of them, on a clock the test moves. */
function link(loss: number, config: ArqConfig = CONFIG) {
  const toB: Uint8Array[] = []
  const toA: Uint8Array[] = []
  const chance = random(42)
  const a = new ControlBlock(7, config, (datagram) => {
    if (chance() >= loss) toB.push(datagram.slice())
  })
  const b = new ControlBlock(7, config, (datagram) => {
    if (chance() >= loss) toA.push(datagram.slice())
  })
  let now = 1_000
  function step(ms: number): void {
    now += ms
    for (const datagram of toB.splice(0)) b.input(decodeSegments(datagram), now)
    for (const datagram of toA.splice(0)) a.input(decodeSegments(datagram), now)
    a.flush(now)
    b.flush(now)
  }
  return { a, b, step, toB, toA, now: () => now }
}

function message(index: number, size: number): Uint8Array {
  const bytes = new Uint8Array(size)
  for (let i = 0; i < size; i++) bytes[i] = (index * 7 + i) & 0xff
  return bytes
}

describe('KCP control block', () => {
  it('delivers every message whole and in order through 20% loss, fragments included, and counts its resends', () => {
    const { a, b, step } = link(0.2)
    const sizes = [1, 1376, 1377, 5000, 0, 64 * 1024, 3]
    const received: Uint8Array[] = []
    let sent = 0
    for (let round = 0; round < 5_000 && received.length < sizes.length; round++) {
      while (sent < sizes.length && a.writable) {
        a.send(message(sent, sizes[sent] as number))
        sent++
      }
      step(10)
      for (let m = b.receive(); m !== undefined; m = b.receive()) received.push(m)
    }
    expect(received.map((m) => m.length)).toEqual(sizes)
    received.forEach((m, i) => {
      expect(Buffer.from(m).equals(Buffer.from(message(i, sizes[i] as number)))).toBe(true)
    })
    expect(a.counters.retransmits).toBeGreaterThan(0)
    for (let round = 0; round < 1_000 && a.waitingSegments > 0; round++) step(10)
    expect(a.waitingSegments).toBe(0)
  })

  it('cuts a message into mss-sized fragments whose frg counts down to 0', () => {
    const out: Uint8Array[] = []
    const cb = new ControlBlock(1, { ...CONFIG, nc: true }, (datagram) => out.push(datagram.slice()))
    cb.send(message(0, 3000))
    cb.flush(0)
    const pushes = out.flatMap((d) => decodeSegments(d)).filter((s) => s.cmd === Command.PUSH)
    expect(pushes.map((s) => [s.sn, s.frg, s.data.length])).toEqual([
      [0, 2, 1376],
      [1, 1, 1376],
      [2, 0, 248],
    ])
  })

  it('refuses a message larger than its receive window can take, before queueing any of it', () => {
    const cb = new ControlBlock(1, { ...CONFIG, rcvwnd: 4 }, () => {})
    expect(() => cb.send(new Uint8Array(4 * 1376 + 1))).toThrow(
      expect.objectContaining({ code: 'ERR_MESSAGE_TOO_LARGE' }),
    )
    expect(cb.waitingSegments).toBe(0)
  })

  it('rejects a fragment count beyond the receive window with ERR_INVALID_PACKET and changes nothing', () => {
    const cb = new ControlBlock(1, { ...CONFIG, rcvwnd: 16 }, () => {})
    const hostile = {
      conv: 1,
      cmd: Command.PUSH,
      frg: 16,
      wnd: 32,
      ts: 0,
      sn: 0,
      una: 0,
      data: new Uint8Array(8),
    }
    expect(() => cb.input([hostile], 0)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_PACKET' }))
    expect(cb.acksPending).toBe(false)
    expect(cb.hasMessage).toBe(false)
  })

  it('sends nothing on the first flush with congestion control, as ikcp, whose window starts at 0', () => {
    const out: Uint8Array[] = []
    const cb = new ControlBlock(1, CONFIG, (datagram) => out.push(datagram.slice()))
    cb.send(message(0, 10))
    cb.flush(0)
    expect(out).toEqual([])
    cb.flush(10)
    expect(out.flatMap((d) => decodeSegments(d)).map((s) => s.cmd)).toEqual([Command.PUSH])
  })

  it('takes an RTT sample from an ACK, as ikcp: srtt = rtt, rto = srtt + max(interval, 4 × rtt/2)', () => {
    const { a, step } = link(0, { ...CONFIG, nc: true })
    a.send(message(0, 10))
    step(0) // A sends at t
    step(40) // B receives at t+40 and ACKs
    step(40) // A takes the ACK at t+80: one sample of 80 ms
    expect(a.srttMs).toBe(80)
    expect(a.rtoMs).toBe(80 + Math.max(10, 40 << 2))
  })

  it('probes a peer that advertises a zero window (WASK) after 7 s, and stops sending data to it', () => {
    const out: Uint8Array[] = []
    const cb = new ControlBlock(9, CONFIG, (datagram) => out.push(datagram.slice()))
    const zero = { conv: 9, cmd: Command.WINS, frg: 0, wnd: 0, ts: 0, sn: 0, una: 0, data: new Uint8Array(0) }
    cb.input([zero], 0)
    expect(cb.writable).toBe(false)
    cb.send(message(0, 10))
    cb.flush(0)
    cb.flush(PROBE_INITIAL_MS - 1)
    expect(out.flatMap((d) => decodeSegments(d)).map((s) => s.cmd)).toEqual([])
    cb.flush(PROBE_INITIAL_MS)
    expect(out.flatMap((d) => decodeSegments(d)).map((s) => s.cmd)).toEqual([Command.WASK])
    expect(cb.counters.probesSent).toBe(1)
  })

  it('resends a segment at once when later ones were acknowledged `resend` times (fast resend)', () => {
    const out: Uint8Array[] = []
    const cb = new ControlBlock(3, { ...CONFIG, nc: true }, (datagram) => out.push(datagram.slice()))
    for (let i = 0; i < 4; i++) cb.send(message(i, 10))
    cb.flush(0)
    out.length = 0
    const ack = (sn: number) => ({
      conv: 3,
      cmd: Command.ACK,
      frg: 0,
      wnd: 64,
      ts: 0,
      sn,
      una: 0,
      data: new Uint8Array(0),
    })
    cb.input([ack(1), ack(2)], 5)
    cb.flush(5)
    const resent = out.flatMap((d) => decodeSegments(d)).filter((s) => s.cmd === Command.PUSH)
    expect(resent.map((s) => s.sn)).toEqual([0])
    expect(cb.counters.fastRetransmits).toBe(1)
  })

  it('packs ACKs and data into datagrams no larger than the mtu', () => {
    const { a, toB } = link(0, { ...CONFIG, mtu: 200 })
    for (let i = 0; i < 10; i++) a.send(message(i, 100))
    a.flush(0)
    expect(toB.every((d) => d.length <= 200)).toBe(true)
    expect(encodeSegments(toB.flatMap((d) => decodeSegments(d))).length).toBe(
      toB.reduce((n, d) => n + d.length, 0),
    )
  })
})

describe('KCP control block against hostile segments', () => {
  it('holds at most two windows of data however many segments arrive, and bounds its ACK list', () => {
    const cb = new ControlBlock(5, { ...CONFIG, rcvwnd: 32 }, () => {})
    const next = random(7)
    for (let i = 0; i < 20_000; i++) {
      const sn = Math.floor(next() * 2 ** 32) >>> 0
      const frg = Math.floor(next() * 32)
      cb.input([{ conv: 5, cmd: Command.PUSH, frg, wnd: 0, ts: i, sn, una: 0, data: new Uint8Array(100) }], i)
      // The session flushes ACKs once this many wait; do what it does.
      if (cb.acksPendingCount >= cb.ackLimit) cb.flush(i, true)
      expect(cb.heldSegments).toBeLessThanOrEqual(64)
      expect(cb.acksPendingCount).toBeLessThanOrEqual(cb.ackLimit)
    }
    expect(cb.counters.duplicateSegments).toBeGreaterThan(19_000)
  })

  it('takes a segment once however often it is repeated', () => {
    const cb = new ControlBlock(5, CONFIG, () => {})
    const segment = {
      conv: 5,
      cmd: Command.PUSH,
      frg: 0,
      wnd: 64,
      ts: 0,
      sn: 1,
      una: 0,
      data: new Uint8Array(3),
    }
    for (let i = 0; i < 1_000; i++) cb.input([segment], i)
    expect(cb.heldSegments).toBe(1)
    expect(cb.hasMessage).toBe(false) // sn 0 is missing
    expect(cb.counters.duplicateSegments).toBe(999)
  })
})

describe('KCP control block and the caller’s buffer', () => {
  it('copies what it is given, so a Buffer reused after send() changes nothing in flight', () => {
    const out: Uint8Array[] = []
    const cb = new ControlBlock(1, { ...CONFIG, nc: true }, (datagram) => out.push(datagram.slice()))
    const reused = Buffer.from('first')
    cb.send(reused)
    reused.write('XXXXX')
    cb.flush(0)
    const [segment] = out.flatMap((d) => decodeSegments(d))
    expect(Buffer.from(segment?.data ?? []).toString()).toBe('first')
  })
})
