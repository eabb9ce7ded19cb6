import { Writable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { createProgressDisplay } from '../src/report/progress.js'

describe('the progress display', () => {
  /** A stream that says it is a terminal and keeps what is written to it. */
  function terminal(): Writable & { text: string } {
    const stream = new Writable({
      write(chunk, _encoding, callback) {
        stream.text += String(chunk)
        callback()
      },
    }) as Writable & { text: string; isTTY: boolean; columns: number }
    stream.text = ''
    stream.isTTY = true
    stream.columns = 100
    return stream
  }
  const progress = (sent: number, elapsedMs: number, phase: 'sending' | 'draining' | 'done' = 'sending') => ({
    transport: 'udp' as const,
    sent,
    total: 10_000,
    elapsedMs,
    durationMs: undefined,
    phase,
  })

  it('shows a bar only once a run has lasted a second, and clears it at the end', () => {
    const stream = terminal()
    const display = createProgressDisplay(stream, true)
    display.onProgress(progress(2000, 400))
    expect(stream.text).toBe('')
    display.onProgress(progress(6000, 1200))
    expect(stream.text).toContain('udp [')
    expect(stream.text).toContain('6,000 sent | sending')
    display.onProgress(progress(10_000, 1500, 'done'))
    display.stop()
  })

  it('shows nothing when the stream is not a terminal', () => {
    const stream = terminal()
    const display = createProgressDisplay(stream, false)
    display.onProgress(progress(6000, 5000))
    display.stop()
    expect(stream.text).toBe('')
  })
})
