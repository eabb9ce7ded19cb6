import { spawnSync } from 'node:child_process'

/** True when `tool` is on the PATH. */
export function has(tool: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status === 0
}

/** Says once, on the console, why a test that needs `tool` is skipped here. */
export function noteMissing(tool: string): void {
  if (!has(tool)) console.warn(`tcp tests: ${tool} is not installed; its interop tests are skipped`)
}
