import { spawn } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { has } from './helpers/processes.js'

/**
 * The packages as a stranger gets them: every published packages/* packed with `pnpm pack`, the
 * tarballs installed with npm into a scratch project outside the workspace, and there an ESM
 * script, a CommonJS script, `tsc --strict` on each README's example, `npx protolab --help`, and
 * @arethetypeswrong/cli on each tarball. Packages are found by listing packages/, so a new one is
 * covered as it appears. Needs npm and pnpm, and the npm registry for the packages' own
 * dependencies (npm's cache first).
 */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const missingTool = ['npm', 'pnpm'].find((tool) => !has(tool))
if (missingTool !== undefined)
  console.warn(`skipping the stranger's install: ${missingTool} is not installed`)

/** A tool's run, bounded in time: the whole test must end even when the registry does not answer. */
const STEP_TIMEOUT_MS = 180_000

interface Published {
  readonly dir: string
  readonly name: string
  readonly exports: readonly string[]
  readonly optionalPeers: readonly string[]
  readonly readmeExample: string | undefined
}

/** The non-private packages under packages/, with what a stranger can import from each. */
function publishedPackages(): Published[] {
  const found: Published[] = []
  for (const dir of readdirSync(join(ROOT, 'packages')).sort()) {
    const manifestPath = join(ROOT, 'packages', dir, 'package.json')
    if (!existsSync(manifestPath)) continue
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as {
      name: string
      private?: boolean
      exports?: Record<string, unknown>
      peerDependenciesMeta?: Record<string, { optional?: boolean }>
    }
    if (manifest.private === true) continue
    const readmePath = join(ROOT, 'packages', dir, 'README.md')
    const readme = existsSync(readmePath) ? readFileSync(readmePath, 'utf8') : ''
    found.push({
      dir,
      name: manifest.name,
      exports: Object.keys(manifest.exports ?? { '.': true }).filter((key) => key !== './package.json'),
      optionalPeers: Object.entries(manifest.peerDependenciesMeta ?? {})
        .filter(([, meta]) => meta.optional === true)
        .map(([peer]) => peer),
      readmeExample: /```ts\n([\s\S]*?)```/.exec(readme)?.[1],
    })
  }
  return found
}

interface Ran {
  readonly code: number | null
  readonly output: string
}

/**
 * The environment of a stranger's shell: this one without what pnpm and vitest add (NODE_PATH
 * points into the workspace's store, where Node would find modules the stranger lacks, and
 * npm_config_* settings would change how npm installs).
 */
function strangerEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { NO_COLOR: '1', npm_config_update_notifier: 'false' }
  for (const [key, value] of Object.entries(process.env)) {
    if (key === 'NODE_PATH' || key === 'NODE_OPTIONS' || /^(npm|pnpm|vitest)_/i.test(key) || key === 'VITEST')
      continue
    env[key] = value
  }
  env.npm_config_update_notifier = 'false'
  return env
}

/** Runs a command to its end (killed after STEP_TIMEOUT_MS), with stdout and stderr together. */
function run(command: string, args: readonly string[], cwd: string): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: strangerEnv(),
    })
    let output = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk
    })
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk
    })
    const timer = setTimeout(() => child.kill('SIGKILL'), STEP_TIMEOUT_MS)
    child.once('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
    child.once('close', (code) => {
      clearTimeout(timer)
      resolve({ code, output })
    })
  })
}

/** The script that imports every export of a package, in ESM or CommonJS, naming what it loaded. */
function loaderScript(packages: readonly Published[], format: 'esm' | 'cjs'): string {
  const specifiers = packages.flatMap((pkg) =>
    pkg.exports.map((key) => ({
      specifier: key === '.' ? pkg.name : `${pkg.name}/${key.slice(2)}`,
      optionalPeers: pkg.optionalPeers,
    })),
  )
  const load = format === 'esm' ? 'await import(specifier)' : 'require(specifier)'
  return `${format === 'cjs' ? "'use strict'\n" : ''}const specifiers = ${JSON.stringify(specifiers)};
${format === 'cjs' ? '(async () => {\n' : ''}for (const { specifier, optionalPeers } of specifiers) {
  try {
    const loaded = ${load}
    const names = Object.keys(loaded)
    if (names.length === 0) throw new Error('exports nothing')
    console.log(\`${format} \${specifier}: \${names.length} exports\`)
  } catch (error) {
    // An entry that needs an optional peer (the compliance suite needs vitest) may say so instead.
    const peer = optionalPeers.find((name) => String(error?.message).toLowerCase().includes(name))
    if (peer === undefined) throw new Error(\`${format} \${specifier}: \${error?.message}\`)
    console.log(\`${format} \${specifier}: needs the optional peer \${peer}\`)
  }
}
${format === 'cjs' ? '})().catch((error) => { console.error(error.message); process.exitCode = 1 })\n' : ''}`
}

/** What the core's text codecs and in-memory transport do, without vitest: checked from ESM and CommonJS. */
const CORE_CHECK_ESM = `import { encodeText } from '@protolab/core'
import { memoryTransport } from '@protolab/core/memory'
const bytes = Array.from(encodeText('你好', 'gb2312'))
if (bytes.join() !== [0xc4, 0xe3, 0xba, 0xc3].join()) throw new Error('gb2312: ' + bytes)
const transport = memoryTransport()
const receiver = await transport.open({ bind: { host: '127.0.0.1', port: 0 } })
const sender = await transport.open()
await sender.send(new TextEncoder().encode('hi'), receiver.localAddress)
for await (const message of receiver) {
  console.log('memory transport:', new TextDecoder().decode(message.payload))
  break
}
await sender.close()
await receiver.close()
`
const CORE_CHECK_CJS = `'use strict'
const { encodeText } = require('@protolab/core')
const { memoryTransport } = require('@protolab/core/memory')
const bytes = Array.from(encodeText('你好', 'gb2312'))
if (bytes.join() !== [0xc4, 0xe3, 0xba, 0xc3].join()) throw new Error('gb2312: ' + bytes)
if (typeof memoryTransport().open !== 'function') throw new Error('memoryTransport')
console.log('cjs core: gb2312 and memoryTransport')
`

let scratch: string | undefined
afterAll(async () => {
  if (scratch !== undefined) await rm(scratch, { recursive: true, force: true })
})

describe.skipIf(missingTool !== undefined)(
  'the packages, installed from their tarballs as a stranger would',
  () => {
    it(
      'pack, npm install outside the workspace, then ESM, CommonJS, tsc --strict on the README examples, npx protolab, attw',
      async () => {
        const packages = publishedPackages()
        expect(packages.map((pkg) => pkg.name)).toContain('@protolab/cli')
        for (const pkg of packages) {
          expect(
            existsSync(join(ROOT, 'packages', pkg.dir, 'dist')),
            `${pkg.name} is not built (pnpm build)`,
          ).toBe(true)
        }
        scratch = await mkdtemp(join(tmpdir(), 'protolab-stranger-'))
        const tarballs = join(scratch, 'tarballs')
        const project = join(scratch, 'project')
        await mkdir(tarballs)
        await mkdir(project)

        for (const pkg of packages) {
          const packed = await run(
            'pnpm',
            ['pack', '--pack-destination', tarballs],
            join(ROOT, 'packages', pkg.dir),
          )
          expect(packed.code, packed.output).toBe(0)
        }
        const files = readdirSync(tarballs).filter((file) => file.endsWith('.tgz'))
        expect(files).toHaveLength(packages.length)

        // A project of the stranger's own: ESM by its package.json, TypeScript's strictest checks.
        await writeFile(
          join(project, 'package.json'),
          `${JSON.stringify({ name: 'stranger', private: true, type: 'module' }, null, 2)}\n`,
        )
        const installed = await run(
          'npm',
          [
            'install',
            '--no-audit',
            '--no-fund',
            '--prefer-offline',
            '--loglevel=error',
            ...files.map((file) => join(tarballs, file)),
            // The .d.ts import node: modules; @types/node is their (optional) peer.
            '@types/node@^20',
          ],
          project,
        )
        expect(installed.code, installed.output).toBe(0)
        // Our packages come from the tarballs, not from the registry.
        for (const pkg of packages) {
          const manifest = JSON.parse(
            readFileSync(join(project, 'node_modules', ...pkg.name.split('/'), 'package.json'), 'utf8'),
          ) as { name: string }
          expect(manifest.name).toBe(pkg.name)
          expect(existsSync(join(project, 'node_modules', ...pkg.name.split('/'), 'LICENSE'))).toBe(true)
        }

        await writeFile(join(project, 'load.mjs'), loaderScript(packages, 'esm'))
        await writeFile(join(project, 'load.cjs'), loaderScript(packages, 'cjs'))
        await writeFile(join(project, 'core.mjs'), CORE_CHECK_ESM)
        await writeFile(join(project, 'core.cjs'), CORE_CHECK_CJS)
        for (const script of ['load.mjs', 'load.cjs', 'core.mjs', 'core.cjs']) {
          const ran = await run(process.execPath, [script], project)
          expect(ran.code, `${script}: ${ran.output}`).toBe(0)
        }

        const examples: string[] = []
        for (const pkg of packages) {
          expect(pkg.readmeExample, `${pkg.name}'s README has no \`\`\`ts example`).toBeDefined()
          const file = `readme-${pkg.dir}.ts`
          await writeFile(join(project, file), pkg.readmeExample ?? '')
          examples.push(file)
        }
        await writeFile(
          join(project, 'tsconfig.json'),
          `${JSON.stringify(
            {
              compilerOptions: {
                strict: true,
                noEmit: true,
                target: 'es2022',
                module: 'nodenext',
                moduleResolution: 'nodenext',
                types: ['node'],
                skipLibCheck: false,
              },
              files: examples,
            },
            null,
            2,
          )}\n`,
        )
        const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc')
        const checked = await run(process.execPath, [tsc, '-p', 'tsconfig.json'], project)
        expect(checked.code, checked.output).toBe(0)

        const help = await run('npx', ['--no-install', 'protolab', '--help'], project)
        expect(help.code, help.output).toBe(0)
        expect(help.output).toMatch(/^Usage: protolab/m)

        const attw = join(ROOT, 'node_modules', '.bin', 'attw')
        for (const file of files) {
          const typesChecked = await run(attw, [join(tarballs, file), '--format', 'ascii'], project)
          expect(typesChecked.code, `attw ${file}: ${typesChecked.output}`).toBe(0)
        }
      },
      4 * STEP_TIMEOUT_MS,
    )
  },
)
