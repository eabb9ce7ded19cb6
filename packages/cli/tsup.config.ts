import { defineConfig } from 'tsup'

/**
 * Two builds into dist/, both with every dependency external (installed beside the package, not
 * copied into it) and no source maps, so the tarball carries our code once:
 * - the `protolab` command (`bin.js`, run through the committed `bin/protolab.js`): ESM split into
 *   chunks that commands import lazily, so `protolab --help` loads little. The lab runs from
 *   `@protolab/lab`, which forks its own child process entry.
 * - the library entry (`index.js`, `index.cjs`, types): `runCli`.
 */
export default defineConfig([
  {
    entry: { bin: 'src/bin.ts' },
    format: ['esm'],
    target: 'node20',
    platform: 'node',
    splitting: true,
    sourcemap: false,
    clean: ['bin.js*', 'lab-child.js*', 'chunks'],
    esbuildOptions(options) {
      options.chunkNames = 'chunks/[name]-[hash]'
    },
    banner: { js: '#!/usr/bin/env node' },
  },
  {
    entry: { index: 'src/index.ts' },
    format: ['esm', 'cjs'],
    target: 'node20',
    platform: 'node',
    splitting: false,
    dts: true,
    sourcemap: false,
    clean: ['index.*'],
  },
])
