import type { Writable } from 'node:stream'
import cliProgress from 'cli-progress'
import type { LabProgress } from '../runner/types.js'
import { formatCount } from './format.js'

/** Runs shorter than this show no progress bar: it would only flash. */
export const PROGRESS_DELAY_MS = 1000

/** Shows a run's progress; `stop` clears the bar. */
export interface ProgressDisplay {
  readonly onProgress: (progress: LabProgress) => void
  stop(): void
}

const NO_PROGRESS: ProgressDisplay = { onProgress: () => {}, stop: () => {} }

/**
 * A progress bar (cli-progress) on `stream` for lab runs that last over a second, or nothing at
 * all when `enabled` is false (the stream is not a terminal: piped output stays clean). The bar
 * counts messages sent, or time for a run bounded by `--duration`, then says it is draining.
 */
export function createProgressDisplay(stream: Writable, enabled: boolean): ProgressDisplay {
  if (!enabled) return NO_PROGRESS
  let bar: cliProgress.SingleBar | undefined
  let transport: string | undefined
  const stop = (): void => {
    bar?.stop()
    bar = undefined
  }
  const onProgress = (progress: LabProgress): void => {
    if (progress.transport !== transport) {
      stop()
      transport = progress.transport
    }
    if (progress.phase === 'done') {
      stop()
      return
    }
    // A run bounded by time shows time; one bounded by count shows messages.
    const byTime = progress.durationMs !== undefined
    const total = byTime ? Math.round(progress.durationMs ?? 0) : progress.total
    const value = byTime ? Math.min(total, Math.round(progress.elapsedMs)) : progress.sent
    const payload = {
      transport: progress.transport,
      sent: formatCount(progress.sent),
      phase: progress.phase === 'draining' ? 'waiting for the last arrivals' : 'sending',
    }
    if (bar === undefined) {
      if (progress.elapsedMs < PROGRESS_DELAY_MS) return
      bar = new cliProgress.SingleBar(
        {
          stream,
          format: '{transport} [{bar}] {percentage}% | {sent} sent | {phase}',
          hideCursor: true,
          clearOnComplete: true,
          barsize: 30,
        },
        cliProgress.Presets.shades_classic,
      )
      bar.start(total, value, payload)
      return
    }
    bar.update(progress.phase === 'draining' ? total : value, payload)
  }
  return { onProgress, stop }
}
