import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { Command, Option } from 'commander'
import { describe, expect, it } from 'vitest'
import { deferParse, parseDeferredOptions } from '../src/options/deferred.js'
import { runInProcess } from './helpers/in-process.js'
import { BIN } from './helpers/processes.js'

/**
 * `protolab --help` starts fast because the files bin.js imports statically (what Node loads before
 * anything runs) hold the command definitions and commander, and not @protolab/core, whose codec
 * and histogram dependencies weigh a megabyte: commands load those when they run. Checked on the
 * built command, through each file's source map (or, without one, esbuild's `// path` comments).
 */

/** Bundled packages that only running a command may load. */
const HEAVY =
  /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?(iconv-lite|hdr-histogram-js|pako)\/|\/core\/(?:src|dist)\//

/** `import ... from './x.js'`, `export ... from './x.js'`, `import './x.js'`: not `import('./x.js')`. */
const STATIC_IMPORT = /^\s*(?:import|export)(?:\s+[^'"();]*?\s+from)?\s*['"](\.{1,2}\/[^'"]+)['"]/gm

/** The files Node loads for `node bin.js` before its code runs: bin.js and its static imports, transitively. */
function staticallyLoaded(entry: string): string[] {
  const files = new Set<string>()
  const pending = [entry]
  for (let file = pending.pop(); file !== undefined; file = pending.pop()) {
    if (files.has(file)) continue
    files.add(file)
    for (const [, specifier] of readFileSync(file, 'utf8').matchAll(STATIC_IMPORT)) {
      pending.push(resolve(dirname(file), specifier as string))
    }
  }
  return [...files]
}

/** The source files bundled into `file`: its source map's sources, or esbuild's `// path` comments. */
function bundledSources(file: string): string[] {
  if (existsSync(`${file}.map`)) {
    return (JSON.parse(readFileSync(`${file}.map`, 'utf8')) as { sources: string[] }).sources
  }
  return [...readFileSync(file, 'utf8').matchAll(/^\/\/ (\S+\.[cm]?[jt]sx?)$/gm)].map(
    (match) => match[1] as string,
  )
}

describe('what protolab --help loads', () => {
  const loaded = staticallyLoaded(BIN)
  const sources = loaded.flatMap(bundledSources)

  it('sees the bundled packages of the files it checks (commander is one)', () => {
    expect(loaded.length).toBeGreaterThan(1)
    expect(sources.some((source) => /node_modules\/.*commander\//.test(source))).toBe(true)
  })

  it('sees iconv-lite somewhere in the build, in a chunk loaded only when a command runs', () => {
    const chunks = join(dirname(BIN), 'chunks')
    const all = readdirSync(chunks)
      .filter((name) => name.endsWith('.js'))
      .flatMap((name) => bundledSources(join(chunks, name)))
    expect(all.some((source) => source.includes('iconv-lite'))).toBe(true)
  })

  it('holds no iconv-lite, hdr-histogram-js, pako or @protolab/core in the files loaded statically', () => {
    expect(sources.filter((source) => HEAVY.test(source))).toEqual([])
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
