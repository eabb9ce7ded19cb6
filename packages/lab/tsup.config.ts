import { defineConfig } from 'tsup'

/**
 * The library (ESM + CJS + types, one entry per subpath export), the lab's child process entry
 * (`lab-child.js`), which the runner forks from beside its own module, the packet link's
 * (`packet-link-host.js`: its host and the lab's roles inside its namespaces), and the kernel
 * link's namespace entry (`lab-namespace.js`), which it runs inside its namespaces.
 */
export default defineConfig([
  {
    entry: {
      index: 'src/index.ts',
      'remote/index': 'src/remote/index.ts',
      'report/index': 'src/report/index.ts',
      'progress/index': 'src/report/progress.ts',
    },
    format: ['esm', 'cjs'],
    target: 'node20',
    platform: 'node',
    dts: true,
    sourcemap: false,
    // The runner finds its child process's file next to its own module: `import.meta.url` in ESM,
    // which the CommonJS build gets from tsup's shim (from `__filename`).
    shims: true,
    clean: ['index.*', 'remote', 'report', 'progress', 'chunk-*', '*.d.ts', '*.d.cts'],
  },
  {
    entry: { 'lab-child': 'src/runner/child/main.ts', 'packet-link-host': 'src/links/packet/entry.ts' },
    format: ['esm'],
    target: 'node20',
    platform: 'node',
    sourcemap: false,
    clean: ['lab-child.*', 'packet-link-host.*'],
  },
  {
    entry: { 'lab-namespace': 'src/links/kernel/namespace/main.ts' },
    format: ['esm'],
    target: 'node20',
    platform: 'node',
    sourcemap: false,
    clean: ['lab-namespace.*'],
  },
])
