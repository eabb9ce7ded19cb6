import { once } from 'node:events'
import { createWriteStream } from 'node:fs'
import { resolve } from 'node:path'
import type { Writable } from 'node:stream'
import type { LabTrace } from '../runner/types.js'
import { formatCount } from './format.js'
import { messageStatus } from './status.js'

/** The CSV header of `--log`. */
export const CSV_HEADER = 'transport,sequence,sent_ms,received_ms,copies,status'

const ROWS_PER_CHUNK = 4096

/**
 * The `--log` CSV, one row per message of every run, in chunks of a few thousand lines so a
 * 1,000,000-message log never becomes one string. Times are ms since the run's first send, with
 * microsecond precision; `received_ms` is empty for a lost message.
 */
export function* csvChunks(traces: readonly LabTrace[]): Generator<string> {
  yield `${CSV_HEADER}\n`
  for (const trace of traces) {
    let chunk = ''
    for (let seq = 0; seq < trace.count; seq++) {
      const arrived = trace.arrivedAtMs[seq] ?? Number.NaN
      chunk += `${trace.transport},${seq},${(trace.sentAtMs[seq] ?? 0).toFixed(3)},${
        Number.isNaN(arrived) ? '' : arrived.toFixed(3)
      },${trace.copies[seq] ?? 0},${messageStatus(trace, seq)}\n`
      if ((seq + 1) % ROWS_PER_CHUNK === 0) {
        yield chunk
        chunk = ''
      }
    }
    if (chunk !== '') yield chunk
  }
}

/** Writes the `--log` CSV of `traces` to `path`, respecting the file stream's backpressure. */
export async function writeCsv(path: string, traces: readonly LabTrace[]): Promise<void> {
  const out = createWriteStream(path)
  const failed = once(out, 'error').then(([error]) => Promise.reject(error))
  failed.catch(() => {})
  for (const chunk of csvChunks(traces)) {
    if (!out.write(chunk)) await Promise.race([once(out, 'drain'), failed])
  }
  out.end()
  await Promise.race([once(out, 'finish'), failed])
}

/** Writes `--log` (see {@link writeCsv}) and tells `stderr` where it went and how many messages it holds. */
export async function writeCsvLog(
  path: string,
  traces: readonly LabTrace[],
  stderr: Writable,
): Promise<void> {
  await writeCsv(path, traces)
  const rows = traces.reduce((sum, trace) => sum + trace.count, 0)
  stderr.write(`log: ${resolve(path)} (${formatCount(rows)} messages)\n`)
}
