import { readFile, writeFile } from 'node:fs/promises'
import { deserialize, serialize } from 'node:v8'
import { ControlProtocolError } from './errors.js'
import type { RemoteLabReport } from './types.js'

/**
 * How a `lab run` started by the kernel link hands its report to the process that started it:
 * one file in V8's serialization, typed arrays and all (the traces of a million messages cross as
 * bytes, not as JSON). Both ends are the same protolab, so the format needs no version.
 */
export async function writeResultsFile(path: string, report: RemoteLabReport): Promise<void> {
  await writeFile(path, serialize(report), { mode: 0o600 })
}

/** Reads a report written by {@link writeResultsFile}. */
export async function readResultsFile(path: string): Promise<RemoteLabReport> {
  const value: unknown = deserialize(await readFile(path))
  if (typeof value !== 'object' || value === null || !Array.isArray((value as RemoteLabReport).runs)) {
    throw new ControlProtocolError(`the lab results in ${path} are not a report`)
  }
  return value as RemoteLabReport
}
