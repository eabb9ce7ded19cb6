import { defineConfig } from 'tsup'

/**
 * Dependencies bundled into the `protolab` command, so it runs from its own files and starts fast.
 * Not hdr-histogram-js: core loads it on first use, by `require` at run time, from our dependencies.
 */
const BUNDLED = [/^@protolab\//, 'commander', 'picocolors', 'cli-progress', 'iconv-lite', 'string-width']

/**
 * Two builds into dist/:
 * - the `protolab` command (`bin.js`): one ESM bundle with the workspace packages and small
 *   dependencies inside, split into chunks that commands import lazily, so `protolab --help`
 *   loads little. Bundled CommonJS code (iconv-lite) calls `require`, so each file gets one.
 * - the library entry (`index.js`, `index.cjs`, types): `runCli` and the lab runner, with
 *   dependencies external as a library's should be.
 */
export default defineConfig([
  {
    entry: { bin: 'src/bin.ts', 'lab-child': 'src/lab/child/main.ts' },
    format: ['esm'],
    target: 'node20',
    platform: 'node',
    splitting: true,
    sourcemap: true,
    clean: ['bin.js*', 'lab-child.js*', 'chunks'],
    noExternal: BUNDLED,
    esbuildOptions(options) {
      options.chunkNames = 'chunks/[name]-[hash]'
    },
    banner: {
      js: "#!/usr/bin/env node\nimport { createRequire as __protolabCreateRequire } from 'node:module';\nconst require = __protolabCreateRequire(import.meta.url);",
    },
  },
  {
    entry: { index: 'src/index.ts' },
    format: ['esm', 'cjs'],
    target: 'node20',
    platform: 'node',
    splitting: false,
    dts: true,
    sourcemap: true,
    // The lab finds its child process's file next to its own module: `import.meta.url` in ESM, which
    // the CommonJS build gets from tsup's shim (from `__filename`) instead of an empty object.
    shims: true,
    clean: ['index.*'],
  },
])
