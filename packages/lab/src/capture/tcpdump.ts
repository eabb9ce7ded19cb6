import { type ChildProcess, spawn } from 'node:child_process'
import { constants } from 'node:fs'
import { access, rm, stat } from 'node:fs/promises'
import { delimiter, join } from 'node:path'
import { InvalidArgumentError } from '@protolab/core'
import { LabError } from '../errors.js'

/** What to capture: where to write, on which interface, which packets. */
export interface CaptureInit {
  /** The file to write: pcap, or pcapng when it ends in `.pcapng` and dumpcap does the capture. */
  readonly file: string
  /** Default `lo`, where a session on 127.0.0.1 or ::1 travels. */
  readonly interface?: string
  /**
   * Capture inside this network namespace (`ip netns exec <namespace> tcpdump ...`, root only):
   * `interface` is then one of that namespace's.
   */
  readonly namespace?: string
  /** A capture filter in pcap-filter syntax, such as `port 9000` or `udp port 9000`. */
  readonly filter?: string
  /** Which program to use; by default tcpdump, else dumpcap, whichever is installed. */
  readonly tool?: 'tcpdump' | 'dumpcap'
  /** Directories searched for the tools; default the PATH and the sbin directories. */
  readonly searchPath?: readonly string[]
}

/** What a capture program says of its capture when it stops. */
export interface CaptureStats {
  /**
   * Packets the kernel dropped because the program did not read them in time (tcpdump's
   * "packets dropped by kernel"); undefined when the program does not say.
   */
  readonly droppedByKernel: number | undefined
}

/**
 * The warning to print when the kernel dropped packets the capture program was too slow to read:
 * the file then misses them. Undefined when none were dropped.
 */
export function droppedWarning(file: string, stats: CaptureStats): string | undefined {
  const dropped = stats.droppedByKernel ?? 0
  if (dropped === 0) return undefined
  return `capture: the kernel dropped ${dropped.toLocaleString('en-US')} packet${dropped === 1 ? '' : 's'} that the capture program did not read in time; ${file} misses them`
}

/** A capture that is running. */
export interface Capture {
  /** The program capturing. */
  readonly tool: 'tcpdump' | 'dumpcap'
  /** Its full path. */
  readonly path: string
  /**
   * Stops the capture once the packets already seen are written, and resolves when the file is
   * complete, with what the program said of it. Safe to call more than once.
   */
  stop(): Promise<CaptureStats>
}

/**
 * A capture filter for the packets of a session: those to or from any of `ports`, UDP and TCP,
 * IPv4 and IPv6 (`port 9000 or port 9001`).
 * @throws InvalidArgumentError when there is no port (port 0 must be resolved to the bound port first).
 */
export function portFilter(ports: readonly number[]): string {
  const known = [...new Set(ports)].filter((port) => Number.isInteger(port) && port > 0 && port <= 65535)
  if (known.length === 0)
    throw new InvalidArgumentError('cannot capture: no port to filter on (start the capture after binding)')
  return known.map((port) => `port ${port}`).join(' or ')
}

/** How long a capture program may take to start listening. */
const START_TIMEOUT_MS = 10_000
/** How long a capture program may take to exit after SIGTERM before it is killed. */
const STOP_TIMEOUT_MS = 5_000
/** How often, and at most how long, stop() waits for the file to stop growing. */
const SETTLE_POLL_MS = 50
const SETTLE_MAX_MS = 1_000
/**
 * dumpcap has no immediate mode: the kernel hands it packets when its buffer timeout (about a
 * second) passes, and packets still in the buffer when it is stopped are lost. So stop() first
 * waits this long for them.
 */
const DUMPCAP_FLUSH_MS = 1_500

const READY = /listening on|Capturing on/i

/**
 * The kernel's capture buffer, in MiB. The program reads packets from a ring of frames in it, one
 * frame per packet, each as large as the interface's MTU allows: loopback's 64 KiB MTU leaves only
 * about 16 frames in tcpdump's default 2 MiB, so a capture program that gets no CPU for a few
 * milliseconds on a loaded machine loses packets. 32 MiB holds about five hundred.
 */
const BUFFER_MIB = 32

/** tcpdump's last words: `3 packets dropped by kernel`. */
const DROPPED_ALL = /(\d+) packets? dropped by kernel/g
/** What tcpdump prints on SIGUSR1 (and as it exits): `12 packets captured`, `24 packets received by filter`. */
const COUNTS = /(\d+) packets? captured[\s\S]*?(\d+) packets? received by filter/g
/** How long tcpdump may take to answer one SIGUSR1, and how many times stop() asks. */
const COUNTS_REPLY_MS = 2_000
const COUNTS_MAX_ASKS = 20

/**
 * tcpdump's own counts, asked for with SIGUSR1: packets it wrote, and packets the kernel's filter
 * passed to it. Both unchanged between two answers means the packets sent before stop() have been
 * read from the kernel's ring and written; a file that did not grow for a moment means nothing when
 * tcpdump got no CPU in that moment, and SIGTERM would then lose what the ring still held.
 */
class TcpdumpProgress {
  private answers = 0
  private pending = ''
  private last = ''
  private waiter: (() => void) | undefined

  /** Reads what tcpdump printed; each complete pair of counts is one answer. */
  heard(chunk: string): void {
    this.pending = (this.pending + chunk).slice(-4096)
    let end = 0
    for (const match of this.pending.matchAll(COUNTS)) {
      this.last = `${match[1]}/${match[2]}`
      this.answers++
      end = match.index + match[0].length
    }
    if (end === 0) return
    this.pending = this.pending.slice(end)
    this.waiter?.()
  }

  /** Asks with SIGUSR1 and resolves with the counts answered, or undefined when no answer came in time. */
  async ask(child: ChildProcess): Promise<string | undefined> {
    const before = this.answers
    const answered = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), COUNTS_REPLY_MS)
      this.waiter = () => {
        if (this.answers === before) return
        clearTimeout(timer)
        resolve(true)
      }
    })
    child.kill('SIGUSR1')
    const ok = await answered
    this.waiter = undefined
    return ok ? this.last : undefined
  }
}
/**
 * Starts recording packets into a file with tcpdump (or dumpcap), and resolves once it is
 * listening, so traffic sent after this resolves is in the file. Callers must `stop()` it (in a
 * `finally`), or the program keeps capturing after they exit.
 * @throws LabError when neither program is installed, or the program cannot capture (not root,
 * no such interface, a bad filter), with its own message.
 */
export async function startCapture(init: CaptureInit): Promise<Capture> {
  const searchPath = init.searchPath ?? defaultSearchPath()
  const found = await findTool(init.tool, searchPath)
  const iface = init.interface ?? 'lo'
  const args =
    found.tool === 'tcpdump'
      ? [
          '-i',
          iface,
          // Without immediate mode, packets wait in the kernel's buffer and are lost when it stops.
          '--immediate-mode',
          '-U',
          '-B',
          String(BUFFER_MIB * 1024),
          '-n',
          '-w',
          init.file,
          ...(process.getuid?.() === 0 ? ['-Z', 'root'] : []),
          ...(init.filter ? [init.filter] : []),
        ]
      : [
          '-i',
          iface,
          '-q',
          '-B',
          String(BUFFER_MIB),
          '-w',
          init.file,
          ...(init.file.endsWith('.pcapng') ? [] : ['-P']),
          ...(init.filter ? ['-f', init.filter] : []),
        ]
  // The file is replaced anyway; removing it first means a header found in it is the new one.
  await rm(init.file, { force: true })
  // `ip netns exec` enters the namespace and then becomes the capture program (same pid), so
  // stopping the child stops the program.
  const [command, commandArgs] =
    init.namespace === undefined
      ? [found.path, args]
      : [await findIp(searchPath), ['netns', 'exec', init.namespace, found.path, ...args]]
  const child = spawn(command, commandArgs, { stdio: ['ignore', 'ignore', 'pipe'] })
  // All it says, for its counts at the end; reading it also keeps it from blocking on a full pipe.
  let said = ''
  const progress = new TcpdumpProgress()
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    said = (said + chunk).slice(-4096)
    progress.heard(chunk)
  })
  // 'close' comes after the last of stderr, where tcpdump prints its counts as it exits.
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()))
  try {
    await waitUntilListening(child, found.tool)
    await waitForFileHeader(init.file, child, found.tool)
  } catch (error) {
    child.kill('SIGKILL')
    throw error
  }
  let stopping: Promise<CaptureStats> | undefined
  return {
    tool: found.tool,
    path: found.path,
    stop: () => {
      stopping ??= stopCapture(
        child,
        init.file,
        found.tool === 'dumpcap' ? DUMPCAP_FLUSH_MS : 0,
        found.tool === 'tcpdump' ? progress : undefined,
      )
        .then(() => closed)
        .then((): CaptureStats => {
          // The last count is the one tcpdump printed as it exited (SIGUSR1 printed earlier ones).
          const dropped = [...said.matchAll(DROPPED_ALL)].at(-1)?.[1]
          return { droppedByKernel: dropped === undefined ? undefined : Number(dropped) }
        })
      return stopping
    },
  }
}

/** The PATH, plus the sbin directories where tcpdump lives but a user's PATH may not reach. */
function defaultSearchPath(): string[] {
  const path = (process.env.PATH ?? '').split(delimiter).filter((dir) => dir !== '')
  return [...new Set([...path, '/usr/sbin', '/sbin', '/usr/bin', '/usr/local/sbin', '/usr/local/bin'])]
}

async function findTool(
  wanted: 'tcpdump' | 'dumpcap' | undefined,
  searchPath: readonly string[],
): Promise<{ tool: 'tcpdump' | 'dumpcap'; path: string }> {
  const candidates = wanted === undefined ? (['tcpdump', 'dumpcap'] as const) : [wanted]
  for (const tool of candidates) {
    const path = await findExecutable(tool, searchPath)
    if (path !== undefined) return { tool, path }
  }
  throw new LabError(
    'ERR_UNSUPPORTED',
    `cannot capture: ${wanted ?? 'neither tcpdump nor dumpcap'} is installed`,
    {
      reason: 'capture-tool-missing',
    },
  )
}

/** `ip` (iproute2), which runs the capture program inside a namespace. */
async function findIp(searchPath: readonly string[]): Promise<string> {
  const path = await findExecutable('ip', searchPath)
  if (path === undefined) {
    throw new LabError(
      'ERR_UNSUPPORTED',
      'cannot capture in a network namespace: ip (iproute2) is not installed',
      {
        reason: 'capture-ip-missing',
      },
    )
  }
  return path
}

/** The first executable `name` in `searchPath`, or undefined. */
async function findExecutable(name: string, searchPath: readonly string[]): Promise<string | undefined> {
  for (const dir of searchPath) {
    const path = join(dir, name)
    try {
      await access(path, constants.X_OK)
      return path
    } catch {
      // not in this directory
    }
  }
  return undefined
}

function waitUntilListening(child: ChildProcess, tool: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = ''
    const timer = setTimeout(() => {
      finish()
      child.kill('SIGKILL')
      reject(
        new LabError(
          'ERR_TIMEOUT',
          `cannot capture: ${tool} did not start listening within ${START_TIMEOUT_MS / 1000} s`,
        ),
      )
    }, START_TIMEOUT_MS)
    const onData = (chunk: string): void => {
      output += chunk
      if (READY.test(output)) {
        finish()
        resolve()
      }
    }
    const onExit = (code: number | null): void => {
      finish()
      reject(captureFailed(tool, code, output))
    }
    const onError = (error: Error): void => {
      finish()
      reject(
        new LabError('ERR_PROCESS_FAILED', `cannot capture: ${tool} failed to start: ${error.message}`, {
          cause: error,
        }),
      )
    }
    const finish = (): void => {
      clearTimeout(timer)
      child.stderr?.off('data', onData)
      child.off('exit', onExit)
      child.off('error', onError)
    }
    child.stderr?.on('data', onData)
    child.once('exit', onExit)
    child.once('error', onError)
  })
}

/** Length of the smallest capture file header (pcap's; pcapng's is longer). */
const FILE_HEADER_LENGTH = 24
const FILE_POLL_MS = 10

/**
 * Waits until the program has written the file's header. dumpcap says "Capturing on" before its
 * capture is active, but writes the header only once it is, so the header is the sure sign.
 */
async function waitForFileHeader(file: string, child: ChildProcess, tool: string): Promise<void> {
  for (let waited = 0; waited < START_TIMEOUT_MS; waited += FILE_POLL_MS) {
    const size = await stat(file).then(
      (stats) => stats.size,
      () => 0,
    )
    if (size >= FILE_HEADER_LENGTH) return
    if (child.exitCode !== null) break
    await new Promise((resolve) => setTimeout(resolve, FILE_POLL_MS))
  }
  throw new LabError('ERR_PROCESS_FAILED', `cannot capture: ${tool} did not start writing ${file}`, {
    reason: 'capture-not-writing',
  })
}

function captureFailed(tool: string, code: number | null, output: string): LabError {
  const lines = output
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
  const reason =
    lines.find((line) => /error|permission|denied|no such|not permitted|syntax|can't|cannot/i.test(line)) ??
    lines[0]
  const permission = /permission|not permitted|denied/i.test(output)
  const message = `cannot capture: ${tool} exited (code ${code ?? 'none'}): ${reason ?? 'no message'}`
  return permission
    ? new LabError('ERR_PRIVILEGE', message, { reason: 'capture-denied' })
    : new LabError('ERR_PROCESS_FAILED', message, { reason: 'capture-exited' })
}

async function stopCapture(
  child: ChildProcess,
  file: string,
  flushMs: number,
  progress: TcpdumpProgress | undefined,
): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  if (flushMs > 0) await new Promise((resolve) => setTimeout(resolve, flushMs))
  if (progress === undefined || !(await caughtUp(child, progress))) await fileSettled(file)
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  child.kill('SIGTERM')
  let timer: NodeJS.Timeout | undefined
  const killed = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      child.kill('SIGKILL')
      resolve()
    }, STOP_TIMEOUT_MS)
  })
  await Promise.race([exited, killed])
  clearTimeout(timer)
  await exited
}

/** Asks tcpdump its counts until two answers in a row agree; false when it did not answer. */
async function caughtUp(child: ChildProcess, progress: TcpdumpProgress): Promise<boolean> {
  let previous = await progress.ask(child)
  for (let ask = 1; ask < COUNTS_MAX_ASKS && previous !== undefined; ask++) {
    await new Promise((resolve) => setTimeout(resolve, SETTLE_POLL_MS))
    const counts = await progress.ask(child)
    if (counts === previous) return true
    previous = counts
  }
  return false
}

/**
 * Waits, a bounded time, until the file stops growing: the program writes each packet as it reads
 * it, and a packet sent just before stop() may still be on its way into the file.
 */
async function fileSettled(file: string): Promise<void> {
  let last = -1
  for (let waited = 0; waited < SETTLE_MAX_MS; waited += SETTLE_POLL_MS) {
    await new Promise((resolve) => setTimeout(resolve, SETTLE_POLL_MS))
    const size = await stat(file).then(
      (stats) => stats.size,
      () => -1,
    )
    if (size === last && size > 0) return
    last = size
  }
}
