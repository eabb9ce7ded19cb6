import { readdirSync, readFileSync, readlinkSync } from 'node:fs'
import { createConnection, type Socket } from 'node:net'
import { createRandom, type Random, TCP_STATES } from '@protolab/core'

/**
 * What the hostile and shutdown suites share: hostile TCP peers with bounded concurrency and
 * bounded waits, a server's resident memory read from /proc, and the sockets and child processes
 * a process holds, read from /proc as `ss` and `ps` would.
 */

/** The resident memory every server must stay under, whatever it was sent. */
export const RSS_BOUND_BYTES = 150 * 1024 * 1024

/** Resident memory of a running process (VmRSS of /proc/PID/status), in bytes. */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const match = status.match(/^VmRSS:\s+(\d+) kB$/m)
  if (match === null) throw new Error(`no VmRSS for process ${pid}`)
  return Number(match[1]) * 1024
}

/** The processes whose parent is `pid` (from /proc/PID/stat, as `ps --ppid` shows them). */
export function childPids(pid: number): number[] {
  const children: number[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      // The command name (field 2) is in parentheses and may hold spaces; the parent id is 2 fields after it.
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      if (parent === pid) children.push(Number(entry))
    } catch {
      // The process ended while we looked.
    }
  }
  return children
}

/** The command line of a process, or undefined once it has exited. */
export function commandLine(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim()
  } catch {
    return undefined
  }
}

/** One socket of /proc/net/*, by the inode that names it. */
export interface InodeSocket {
  readonly inode: string
  readonly proto: string
  readonly localPort: number
  readonly state: string
}

/** Every socket of /proc/net/{tcp,tcp6,udp,udp6} that a process may hold (inode not 0: TIME_WAIT and orphans have none). */
function socketsByInode(): Map<string, InodeSocket> {
  const sockets = new Map<string, InodeSocket>()
  for (const file of ['tcp', 'tcp6', 'udp', 'udp6']) {
    let text: string
    try {
      text = readFileSync(`/proc/net/${file}`, 'utf8')
    } catch {
      continue
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/)
      const inode = fields[9]
      if (inode === undefined || inode === '0') continue
      const state = file.startsWith('tcp') ? (TCP_STATES[fields[3]!] ?? fields[3]!) : 'UNCONN'
      sockets.set(inode, {
        inode,
        proto: file,
        localPort: Number.parseInt(fields[1]!.split(':')[1]!, 16),
        state,
      })
    }
  }
  return sockets
}

/** The TCP and UDP sockets process `pid` holds open: its /proc/PID/fd links to `socket:[inode]`, as `ss -tuanp` shows them. */
export function socketsOf(pid: number): InodeSocket[] {
  const inodes = new Set<string>()
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      try {
        const match = readlinkSync(`/proc/${pid}/fd/${fd}`).match(/^socket:\[(\d+)\]$/)
        if (match !== null) inodes.add(match[1]!)
      } catch {
        // The descriptor closed while we looked.
      }
    }
  } catch {
    return []
  }
  return [...socketsByInode().values()].filter((socket) => inodes.has(socket.inode))
}

/** The local ports of the sockets process `pid` holds open. */
export function socketPortsOf(pid: number): number[] {
  return [...new Set(socketsOf(pid).map((socket) => socket.localPort))]
}

/**
 * Of `sockets` (as {@link socketsOf} listed them while their process ran), those that still exist:
 * some process still holds them. Inodes are never reused this soon, so another program's socket on
 * the same port is not mistaken for one of them.
 */
export function stillOpen(sockets: readonly InodeSocket[]): InodeSocket[] {
  const live = socketsByInode()
  return sockets.filter((socket) => live.has(socket.inode))
}

/** Random bytes from a seed, so a failing run can be repeated. */
export function randomBytes(random: Random, length: number): Buffer {
  const bytes = Buffer.allocUnsafe(length)
  for (let i = 0; i < length; i++) bytes[i] = random.nextUint32() & 0xff
  return bytes
}

/** How one hostile connection ended. */
export interface HostileOutcome {
  /** The server closed it (FIN or RST) before we gave up waiting. */
  readonly closedByServer: boolean
  /** It could not even connect (refused, or reset during the handshake). */
  readonly failed: boolean
}

/**
 * Opens `total` connections to `port`, at most `concurrency` at a time; each writes what
 * `payloadOf(i, random)` gives, then either ends its side, resets, or just waits, as `behaviour`
 * says; each is destroyed after `holdMs` at most. Resolves with every connection's outcome.
 */
export async function hostileConnections(options: {
  readonly port: number
  readonly total: number
  readonly concurrency: number
  readonly seed: number
  readonly payloadOf: (index: number, random: Random) => Uint8Array
  readonly behaviour?: (index: number, random: Random) => 'end' | 'reset' | 'wait'
  readonly holdMs?: number
}): Promise<HostileOutcome[]> {
  const random = createRandom(options.seed)
  const outcomes: HostileOutcome[] = []
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < options.total) {
      const index = next++
      const payload = options.payloadOf(index, random)
      const behaviour = options.behaviour?.(index, random) ?? 'end'
      outcomes.push(await oneConnection(options.port, payload, behaviour, options.holdMs ?? 2000))
    }
  }
  await Promise.all(Array.from({ length: options.concurrency }, worker))
  return outcomes
}

function oneConnection(
  port: number,
  payload: Uint8Array,
  behaviour: 'end' | 'reset' | 'wait',
  holdMs: number,
): Promise<HostileOutcome> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port })
    let connected = false
    let settled = false
    const finish = (outcome: HostileOutcome): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      socket.destroy()
      resolve(outcome)
    }
    const timer = setTimeout(() => finish({ closedByServer: false, failed: !connected }), holdMs)
    socket.on('error', () => {})
    socket.on('data', () => {}) // read whatever comes back (an echo, an error line) so it never blocks
    socket.on('close', () => finish({ closedByServer: connected, failed: !connected }))
    socket.on('connect', () => {
      connected = true
      socket.write(payload, () => {
        if (behaviour === 'end') socket.end()
        else if (behaviour === 'reset') {
          socket.resetAndDestroy()
          finish({ closedByServer: false, failed: false })
        }
      })
      if (behaviour === 'end') socket.on('end', () => finish({ closedByServer: true, failed: false }))
    })
  })
}

/** Opens `count` connections that send nothing; resolves once every one is connected or failed. */
export async function idleConnections(port: number, count: number): Promise<Socket[]> {
  return Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<Socket>((resolve) => {
          const socket = createConnection({ host: '127.0.0.1', port })
          socket.on('error', () => {})
          socket.on('data', () => {})
          socket.once('connect', () => resolve(socket))
          socket.once('close', () => resolve(socket))
        }),
    ),
  )
}

/** Resolves once every socket is closed, or after `timeoutMs`, with how many are still open. */
export async function waitUntilClosed(sockets: readonly Socket[], timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    const open = sockets.filter((socket) => !socket.closed).length
    if (open === 0) return 0
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return sockets.filter((socket) => !socket.closed).length
}

/**
 * Sends one line over a new TCP connection and resolves with what came back before the server
 * closed or `timeoutMs` passed: the "normal client" every hostile test ends with.
 */
export function tcpLine(
  port: number,
  line: string,
  options: { waitForReply?: boolean; timeoutMs?: number } = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: '127.0.0.1', port })
    let received = ''
    const timer = setTimeout(() => {
      socket.destroy()
      resolve(received)
    }, options.timeoutMs ?? 3000)
    socket.setEncoding('utf8')
    socket.on('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
    socket.on('data', (chunk: string) => {
      received += chunk
      if (options.waitForReply && received.endsWith('\n')) {
        clearTimeout(timer)
        socket.end()
        resolve(received)
      }
    })
    socket.on('connect', () => {
      socket.write(`${line}\n`)
      if (!options.waitForReply) socket.end()
    })
    socket.on('close', () => {
      clearTimeout(timer)
      resolve(received)
    })
  })
}
