import { readFileSync } from 'node:fs'

/**
 * A field of /proc/<pid>/status in bytes (`VmHWM`: peak resident set; `VmRSS`: resident now),
 * or undefined when the process is gone or the field is missing.
 */
export function procStatusBytes(pid, field) {
  let status
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8')
  } catch {
    return undefined
  }
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)
  return match === null ? undefined : Number(match[1]) * 1024
}

/** Pids of the direct children of `pid` (Linux 3.5+: /proc/<pid>/task/<tid>/children). */
export function childPids(pid) {
  const pids = []
  try {
    for (const line of readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/)) {
      if (line !== '') pids.push(Number(line))
    }
  } catch {
    // The process is gone: it has no children to report.
  }
  return pids
}
