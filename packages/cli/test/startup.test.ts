import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { Command, Option } from 'commander'
import { describe, expect, it } from 'vitest'
import { deferParse, parseDeferredOptions } from '../src/options/deferred.js'
import { runInProcess } from './helpers/in-process.js'
import { BIN } from './helpers/processes.js'

/**
 * `protolab --help` starts fast because the files bin.js imports statically (what Node loads before
 * anything runs) hold the command definitions and import commander, and not @protolab/core, whose
 * codec and histogram dependencies weigh a megabyte: commands load those when they run. The build
 * bundles none of its dependencies (npm installs them beside it), so this is read from the built
 * files' import statements.
 */

/** Packages that only running a command may load. */
const HEAVY = /^(?:@protolab\/|iconv-lite|hdr-histogram-js|pako)/

/** `import ... from 'x'`, `export ... from 'x'`, `import 'x'`: not `import('x')`. */
const STATIC_IMPORT = /^\s*(?:import|export)(?:\s+[^'"();]*?\s+from)?\s*['"]([^'"]+)['"]/gm

/**
 * The files Node loads for `node bin.js` before its code runs (bin.js and its relative static
 * imports, transitively), and the packages they import statically.
 */
function staticallyLoaded(entry: string): { files: string[]; packages: string[] } {
  const files = new Set<string>()
  const packages = new Set<string>()
  const pending = [entry]
  for (let file = pending.pop(); file !== undefined; file = pending.pop()) {
    if (files.has(file)) continue
    files.add(file)
    for (const [, specifier] of readFileSync(file, 'utf8').matchAll(STATIC_IMPORT)) {
      if (specifier?.startsWith('.')) pending.push(resolve(dirname(file), specifier))
      else if (specifier !== undefined && !specifier.startsWith('node:')) packages.add(specifier)
    }
  }
  return { files: [...files], packages: [...packages] }
}

describe('what protolab --help loads', () => {
  const loaded = staticallyLoaded(BIN)

  it('imports commander as a package, and copies no dependency into the build', () => {
    expect(loaded.files.length).toBeGreaterThan(1)
    expect(loaded.packages).toContain('commander')
    const built = [
      BIN,
      ...readdirSync(join(dirname(BIN), 'chunks')).map((name) => join(dirname(BIN), 'chunks', name)),
    ]
    // esbuild marks each bundled module with a `// path` comment; a dependency's path runs through node_modules.
    const copied = built.filter((file) => /^\/\/ \S*node_modules\//m.test(readFileSync(file, 'utf8')))
    expect(copied).toEqual([])
  })

  it('imports no iconv-lite, hdr-histogram-js, pako or @protolab package statically', () => {
    expect(loaded.packages.filter((name) => HEAVY.test(name))).toEqual([])
  })
})

describe('values read once the command runs', () => {
  it('parses a flag given on the command line before the action, and leaves defaults alone', async () => {
    const seen: Record<string, unknown>[] = []
    const command = new Command('try')
      .exitOverride()
      .hook('preAction', (_command, actionCommand) => parseDeferredOptions(actionCommand))
      .addOption(deferParse(new Option('--size <bytes>'), async (value: string) => value.length))
      .addOption(
        deferParse(new Option('--mode <mode>').default('fast'), async (value: string) => value.length),
      )
      .action((flags: Record<string, unknown>) => {
        seen.push(flags)
      })
    await command.parseAsync(['--size', 'abcd'], { from: 'user' })
    expect(seen).toEqual([{ size: 4, mode: 'fast' }])
  })

  it.each([
    [['lab', '--size', 'abc'], /^protolab: --size "abc" is not a whole number of bytes/],
    [['lab', '-t', 'tcp', '--slice', '0'], /^protolab: --slice takes 1 byte or more$/],
    [
      ['lab', 'run', '--server', '127.0.0.1:1', '--duration', '5x'],
      /^protolab: --duration "5x" is not a duration/,
    ],
    [['proxy', '--listen', '0', '--to', '127.0.0.1:1', '--rate-limit', 'fast'], /^protolab: --rate-limit/],
    [['listen', '0', '--allow', 'example.com'], /^protolab: --allow .*example\.com/],
    [['listen', '0', '--deny', '10.0.0.1', '--deny', '10.0.0.0/33'], /^protolab: --deny .*\/33/],
  ])('%j is bad usage: exit code 2, one line and a hint', async (args, message) => {
    const result = await runInProcess(args)
    const lines = result.stderr.trimEnd().split('\n')
    expect(result.code, result.stderr).toBe(2)
    expect(lines[0]).toMatch(message)
    expect(lines.slice(1)).toEqual([expect.stringMatching(/^hint: /)])
    expect(result.stdout).toBe('')
  })
})
