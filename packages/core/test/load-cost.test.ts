import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

/**
 * What importing the built package loads, in a fresh node: hdr-histogram-js compiles its WebAssembly
 * build as it loads (tens of milliseconds), so core loads it only once a histogram is needed, and a
 * program that only uses the transports never pays for it.
 */
const DIST = fileURLToPath(new URL('../dist/', import.meta.url))

function loadedAfter(format: 'esm' | 'cjs', code: string): boolean[] {
  const load =
    format === 'esm'
      ? `const core = await import(${JSON.stringify(`${DIST}index.js`)})`
      : `const core = require(${JSON.stringify(`${DIST}index.cjs`)})`
  const script = `
    ${format === 'esm' ? "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url)" : ''}
    const loaded = () => Object.keys(require.cache).some((file) => file.includes('hdr-histogram-js'))
    ${load}
    const before = loaded()
    ${code}
    console.log(JSON.stringify([before, loaded()]))`
  const args = format === 'esm' ? ['--input-type=module', '-e', script] : ['-e', script]
  return JSON.parse(execFileSync(process.execPath, args, { encoding: 'utf8' })) as boolean[]
}

describe('loading @protolab/core', () => {
  it.each(['esm', 'cjs'] as const)(
    '%s: leaves hdr-histogram-js unloaded until a histogram is made',
    (format) => {
      const code = 'const metrics = new core.ReceiverMetrics(); metrics.summary()'
      expect(loadedAfter(format, code)).toEqual([false, true])
    },
  )
})
