import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

const src = (pkg: string) => fileURLToPath(new URL(`./packages/${pkg}/src/index.ts`, import.meta.url))

/**
 * One vitest setup for every package: workspace packages resolve to their sources (so a test never
 * runs against a stale build), and each run writes `test-results.json` for `.ci/run` to total.
 */
export default defineConfig({
  resolve: {
    alias: [
      {
        find: /^@protolab\/core\/compliance$/,
        replacement: fileURLToPath(new URL('./packages/core/src/compliance/index.ts', import.meta.url)),
      },
      {
        find: /^@protolab\/core\/memory$/,
        replacement: fileURLToPath(new URL('./packages/core/src/memory/index.ts', import.meta.url)),
      },
      { find: /^@protolab\/core$/, replacement: src('core') },
      { find: /^@protolab\/udp$/, replacement: src('udp') },
      { find: /^@protolab\/tcp$/, replacement: src('tcp') },
      { find: /^@protolab\/kcp$/, replacement: src('kcp') },
      {
        find: /^@protolab\/lab\/(remote|report)$/,
        replacement: fileURLToPath(new URL('./packages/lab/src/$1/index.ts', import.meta.url)),
      },
      {
        find: /^@protolab\/lab\/progress$/,
        replacement: fileURLToPath(new URL('./packages/lab/src/report/progress.ts', import.meta.url)),
      },
      { find: /^@protolab\/lab$/, replacement: src('lab') },
      { find: /^@protolab\/cli$/, replacement: src('cli') },
    ],
  },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    reporters: ['default', ['json', { outputFile: 'test-results.json' }]],
  },
})
