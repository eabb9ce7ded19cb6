import { existsSync, readFileSync } from 'node:fs'

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

/**
 * Resolves once every file in `paths` exists, polling: another `pnpm build` running at the same
 * time (tsup cleans dist/ first) must not fail the bench. Rejects after `timeoutMs`.
 */
export async function waitForFiles(paths, timeoutMs) {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const missing = paths.filter((path) => !existsSync(path))
    if (missing.length === 0) return
    if (Date.now() > deadline) throw new Error(`${missing.join(', ')} missing: build first (pnpm build)`)
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
}
