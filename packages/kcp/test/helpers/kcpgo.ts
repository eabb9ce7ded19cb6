import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

/** Debian's golang-github-xtaci-kcp-dev puts kcp-go here; the peers build against it in GOPATH mode. */
export const KCP_GO_GOPATH = '/usr/share/gocode'
const KCP_GO_SOURCE = join(KCP_GO_GOPATH, 'src/github.com/xtaci/kcp-go/kcp.go')
const PEERS = fileURLToPath(new URL('../peers/kcpgo/', import.meta.url))
/** The peers' own GOPATH entry: src/kcppattern, the test pattern both peers import. */
const PEERS_GOPATH = join(PEERS, 'gopath')
const run = promisify(execFile)

/** Why the kcp-go peers cannot be built here, or undefined when they can. */
export async function kcpGoMissing(): Promise<string | undefined> {
  try {
    await run('go', ['version'])
  } catch {
    return 'the `go` command is not installed (Debian: golang-go)'
  }
  if (!existsSync(KCP_GO_SOURCE)) {
    return `kcp-go's source is not in ${KCP_GO_GOPATH} (Debian: golang-github-xtaci-kcp-dev)`
  }
  return undefined
}

/** The built peers, in a temporary directory that `remove` deletes. */
export interface KcpGoPeers {
  readonly echoServer: string
  readonly client: string
  remove(): void
}

/** Builds the echo server and the client offline: `GO111MODULE=off GOPATH=<peers>/gopath:/usr/share/gocode go build`. */
export async function buildKcpGoPeers(): Promise<KcpGoPeers> {
  const dir = mkdtempSync(join(tmpdir(), `protolab-kcpgo-${process.pid}-`))
  const env = { ...process.env, GO111MODULE: 'off', GOPATH: `${PEERS_GOPATH}:${KCP_GO_GOPATH}`, GOFLAGS: '' }
  const build = (name: string) =>
    run('go', ['build', '-o', join(dir, name), `./${name}`], { cwd: PEERS, env, timeout: 300_000 })
  try {
    await Promise.all([build('echo-server'), build('client')])
  } catch (error) {
    rmSync(dir, { recursive: true, force: true })
    throw error
  }
  return {
    echoServer: join(dir, 'echo-server'),
    client: join(dir, 'client'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  }
}

/** The SetNoDelay knobs and window of a Go peer, as command-line flags. */
export function goFlags(
  knobs: { nodelay: boolean; interval: number; resend: number; nc: boolean },
  wnd: number,
): string[] {
  return [
    `-nodelay=${knobs.nodelay ? 1 : 0}`,
    `-interval=${knobs.interval}`,
    `-resend=${knobs.resend}`,
    `-nc=${knobs.nc ? 1 : 0}`,
    `-wnd=${wnd}`,
  ]
}

/** A running kcp-go echo server and the port it listens on. */
export interface RunningEchoServer {
  readonly port: number
  readonly process: ChildProcess
  /** What it wrote to stderr so far (a -verify mismatch is reported there). */
  stderr(): string
  stop(): Promise<void>
}

/** Starts the echo server on `host` and waits for the line that names its port. */
export async function startEchoServer(
  path: string,
  host: string,
  flags: string[],
): Promise<RunningEchoServer> {
  const listen = host.includes(':') ? `[${host}]:0` : `${host}:0`
  const child = spawn(path, ['-listen', listen, ...flags], { stdio: ['ignore', 'pipe', 'pipe'] })
  let errors = ''
  child.stderr?.setEncoding('utf8').on('data', (text: string) => {
    errors += text
  })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const port = await new Promise<number>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream })
    lines.once('line', (line) => {
      const match = /^listening .*:(\d+)$/.exec(line)
      if (match === null) reject(new Error(`echo-server said ${JSON.stringify(line)}`))
      else resolve(Number(match[1]))
    })
    child.once('exit', (code) =>
      reject(new Error(`echo-server exited (${code}) before listening: ${errors}`)),
    )
  })
  return {
    port,
    process: child,
    stderr: () => errors,
    stop: async () => {
      if (child.exitCode === null) child.kill()
      await exited
    },
  }
}
