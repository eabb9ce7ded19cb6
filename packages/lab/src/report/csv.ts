import { once } from 'node:events'
import { createWriteStream } from 'node:fs'
import { resolve } from 'node:path'
import type { Writable } from 'node:stream'
import type { LabTrace } from '../runner/types.js'
import { formatCount } from './format.js'
import { messageStatus } from './status.js'

/** The CSV header of `--log`. */
export const CSV_HEADER = 'transport,sequence,sent_ms,received_ms,copies,status'
/** The CSV header of `--log` for runs of flows: each row starts with its flow's id. */
export const FLOWS_CSV_HEADER = `flow,${CSV_HEADER}`

const ROWS_PER_CHUNK = 4096

/**
 * The `--log` CSV, one row per message of every run, in chunks of a few thousand lines so a
 * 1,000,000-message log never becomes one string. Times are ms since the run's first send, with
 * microsecond precision; `received_ms` is empty for a lost message. With `flowIds` (one per trace,
 * a run of flows) each row starts with its flow's id.
 */
export function* csvChunks(traces: readonly LabTrace[], flowIds?: readonly number[]): Generator<string> {
  yield `${flowIds === undefined ? CSV_HEADER : FLOWS_CSV_HEADER}\n`
  for (const [index, trace] of traces.entries()) {
    const flow = flowIds === undefined ? '' : `${flowIds[index]},`
    let chunk = ''
    for (let seq = 0; seq < trace.count; seq++) {
      const arrived = trace.arrivedAtMs[seq] ?? Number.NaN
      chunk += `${flow}${trace.transport},${seq},${(trace.sentAtMs[seq] ?? 0).toFixed(3)},${
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
export async function writeCsv(
  path: string,
  traces: readonly LabTrace[],
  flowIds?: readonly number[],
): Promise<void> {
  const out = createWriteStream(path)
  const failed = once(out, 'error').then(([error]) => Promise.reject(error))
  failed.catch(() => {})
  for (const chunk of csvChunks(traces, flowIds)) {
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
  flowIds?: readonly number[],
): Promise<void> {
  await writeCsv(path, traces, flowIds)
  const rows = traces.reduce((sum, trace) => sum + trace.count, 0)
  stderr.write(`log: ${resolve(path)} (${formatCount(rows)} messages)\n`)
}
