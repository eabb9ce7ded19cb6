import {
  accessSync,
  chmodSync,
  constants,
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, parse } from 'node:path'
import { fileURLToPath } from 'node:url'
import { has, type Running, start } from './processes.js'

/** The user and group tests run unprivileged commands as: nobody / nogroup. */
const NOBODY = 65534

/** The cli package's own directory (package.json and dist/). */
const CLI_DIR = fileURLToPath(new URL('../../', import.meta.url))

/**
 * Why `protolab` cannot be run as nobody here, or undefined when it can: it takes root to switch
 * users, and setpriv to do it.
 */
export function cannotRunAsNobody(): string | undefined {
  if (process.platform !== 'linux' || process.getuid?.() !== 0)
    return 'they need Linux and root, to run as nobody'
  if (!has('setpriv')) return 'they need setpriv (util-linux)'
  return undefined
}

let copy: string | undefined

/**
 * A copy of the built command and what it loads at run time, in a fresh directory that every user
 * can read: the clone itself may sit under a directory only its owner can enter (as in
 * `mktemp -d`), where nobody could not load the command. Made once per test file.
 */
function readableCopy(): string {
  if (copy !== undefined) return copy
  const root = mkdtempSync(join(tmpdir(), 'protolab-as-nobody-'))
  copy = root
  const modules = join(root, 'node_modules')
  const copied = new Set<string>()
  const place = (name: string, from: string): void => {
    if (copied.has(name)) return
    copied.add(name)
    const destination = join(modules, name)
    // A workspace package ships its package.json and dist/; one from the store, all of itself.
    const isWorkspace = existsSync(join(from, 'src'))
    cpSync(from, destination, {
      recursive: true,
      dereference: true,
      filter: (source) => {
        if (source === from) return true
        const top = source.slice(from.length + 1).split('/')[0] ?? ''
        if (top === 'node_modules') return false
        return !isWorkspace || top === 'package.json' || top === 'dist'
      },
    })
    for (const dependency of runtimeDependencies(from)) place(dependency, packageDir(dependency, from))
  }
  place('@protolab/cli', realpathSync(CLI_DIR))
  makeReadable(root)
  const unreadable = firstUnsearchable(root)
  if (unreadable !== undefined) {
    throw new Error(
      `${unreadable} is not searchable by other users: set TMPDIR to a directory they can enter`,
    )
  }
  return root
}

/** Removes the readable copy, for afterAll. */
export function removeReadableCopy(): void {
  if (copy !== undefined) rmSync(copy, { recursive: true, force: true })
  copy = undefined
}

/** The built command in the readable copy: what another user can run. */
export function readableProtolabBin(): string {
  return join(readableCopy(), 'node_modules', '@protolab', 'cli', 'dist', 'bin.js')
}

/** Starts `protolab <args>` as nobody (uid and gid 65534, no supplementary groups), from a readable copy. */
export function startProtolabAsNobody(args: readonly string[]): Running {
  const root = readableCopy()
  const bin = readableProtolabBin()
  return start(
    'setpriv',
    [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', process.execPath, bin, ...args],
    { cwd: root },
  )
}

function runtimeDependencies(dir: string): string[] {
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>
    optionalDependencies?: Record<string, string>
  }
  return Object.keys({ ...manifest.dependencies, ...manifest.optionalDependencies })
}

/** Where `name` resolves from `dir`, as Node looks it up: node_modules here, then in each parent. */
function packageDir(name: string, dir: string): string {
  for (let at = dir; ; at = dirname(at)) {
    const candidate = join(at, 'node_modules', name)
    if (existsSync(join(candidate, 'package.json'))) return realpathSync(candidate)
    if (at === parse(at).root) throw new Error(`cannot find ${name} from ${dir}`)
  }
}

/** chmod a+rX, whatever the umask made. */
function makeReadable(path: string): void {
  const stat = statSync(path)
  chmodSync(path, stat.mode | (stat.isDirectory() || stat.mode & 0o111 ? 0o755 : 0o644))
  if (stat.isDirectory()) for (const entry of readdirSync(path)) makeReadable(join(path, entry))
}

/** The first directory from `/` down to `path` that other users cannot enter, if any. */
function firstUnsearchable(path: string): string | undefined {
  const parts: string[] = []
  for (let at = path; at !== parse(at).root; at = dirname(at)) parts.unshift(at)
  for (const dir of parts) {
    if ((statSync(dir).mode & 0o001) === 0) return dir
  }
  accessSync(path, constants.R_OK)
  return undefined
}
