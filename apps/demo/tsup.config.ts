import { defineConfig } from 'tsup'

/** The demo is a program, not a library: one ESM entry, `node apps/demo/dist/main.js`. */
export default defineConfig({
  entry: ['src/main.ts'],
  format: ['esm'],
  clean: true,
  sourcemap: true,
  target: 'node20',
  platform: 'node',
})
