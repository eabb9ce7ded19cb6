import { defineConfig } from 'tsup'

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    'memory/index': 'src/memory/index.ts',
    'compliance/index': 'src/compliance/index.ts',
    'session/index': 'src/session/index.ts',
  },
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
  // lab/metrics/histogram.ts loads hdr-histogram-js lazily through `import.meta.url`, which the
  // CommonJS build gets from tsup's shim (from `__filename`).
  shims: true,
})
