import { describe, expect, it } from 'vitest'
import { DelayLine, HoldBudget } from '../src/proxy/delay-line.js'
import { TimerHeap } from '../src/proxy/timer-heap.js'

const SENT_IN_TURN = { copies: 1, delayMs: 0, holdForPackets: 0 }

/** A line on a real timer heap that records what it sends, in order. */
function line(budget = new HoldBudget(100), maxHoldMs = 1000) {
  const sent: string[] = []
  const timers = new TimerHeap()
  return {
    sent,
    timers,
    budget,
    line: new DelayLine<string>({ send: (item) => sent.push(item), timers, maxHoldMs, budget }),
  }
}

describe('DelayLine', () => {
  it('sends at once, every copy of a duplicate', () => {
    const { line: delayLine, sent } = line()
    expect(delayLine.enter('a', { ...SENT_IN_TURN, copies: 2 }, performance.now())).toBe('sent')
    expect(delayLine.enter('b', SENT_IN_TURN, performance.now())).toBe('sent')
    expect(sent).toEqual(['a', 'a', 'b'])
  })

  it('holds a datagram until the given number of later ones went past it', () => {
    const { line: delayLine, sent, budget, timers } = line()
    const now = performance.now()
    expect(delayLine.enter('a', { ...SENT_IN_TURN, holdForPackets: 2 }, now)).toBe('held')
    expect(budget.held).toBe(1)
    delayLine.enter('b', SENT_IN_TURN, now)
    expect(sent).toEqual(['b'])
    delayLine.enter('c', SENT_IN_TURN, now)
    expect(sent).toEqual(['b', 'c', 'a'])
    expect(budget.held).toBe(0)
    timers.clear()
  })

  it('sends a held datagram anyway once the hold limit passes', async () => {
    const { line: delayLine, sent, budget } = line(new HoldBudget(100), 20)
    delayLine.enter('a', { ...SENT_IN_TURN, holdForPackets: 5 }, performance.now())
    await budget.idle()
    expect(sent).toEqual(['a'])
  })

  it('delays a datagram, and one released from the hold keeps its place for its delay', async () => {
    const { line: delayLine, sent, budget } = line()
    const now = performance.now()
    expect(delayLine.enter('a', { ...SENT_IN_TURN, delayMs: 30 }, now)).toBe('delayed')
    expect(delayLine.enter('b', { copies: 1, delayMs: 10, holdForPackets: 1 }, now)).toBe('held')
    delayLine.enter('c', SENT_IN_TURN, now)
    // b left the hold after c, and waits its 10 ms still holding its place.
    expect(sent).toEqual(['c'])
    expect(budget.held).toBe(2)
    await budget.idle()
    expect(sent).toEqual(['c', 'b', 'a'])
  })

  it('refuses past the budget, which every line of a relay shares', async () => {
    const budget = new HoldBudget(2)
    const first = line(budget)
    const second = line(budget)
    const now = performance.now()
    const later = { ...SENT_IN_TURN, delayMs: 5 }
    expect(first.line.enter('a', later, now)).toBe('delayed')
    expect(second.line.enter('b', later, now)).toBe('delayed')
    expect(first.line.enter('c', later, now)).toBe('full')
    expect(second.line.enter('d', { ...SENT_IN_TURN, holdForPackets: 1 }, now)).toBe('full')
    // What needs no place still goes.
    expect(first.line.enter('e', SENT_IN_TURN, now)).toBe('sent')
    await budget.idle()
    expect(first.sent).toEqual(['e', 'a'])
    expect(second.sent).toEqual(['b'])
  })
})
