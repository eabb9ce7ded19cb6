import { readdirSync, readFileSync, readlinkSync } from 'node:fs'
import { createConnection, type Socket } from 'node:net'
import { createRandom, type Random } from '@protolab/core'

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

/** TCP states by their /proc/net/tcp code. */
const TCP_STATES: Readonly<Record<string, string>> = {
  '01': 'ESTABLISHED',
  '02': 'SYN_SENT',
  '03': 'SYN_RECV',
  '04': 'FIN_WAIT1',
  '05': 'FIN_WAIT2',
  '06': 'TIME_WAIT',
  '07': 'CLOSE',
  '08': 'CLOSE_WAIT',
  '09': 'LAST_ACK',
  '0A': 'LISTEN',
  '0B': 'CLOSING',
}

/** One socket of /proc/net/{tcp,tcp6,udp,udp6}: its local port, remote port and state. */
export interface ProcSocket {
  readonly proto: 'tcp' | 'udp'
  readonly localPort: number
  readonly remotePort: number
  readonly state: string
}

/** Every TCP and UDP socket of this host (its network namespace), IPv4 and IPv6, as `ss -tuan` lists them. */
export function hostSockets(): ProcSocket[] {
  const sockets: ProcSocket[] = []
  for (const file of ['tcp', 'tcp6', 'udp', 'udp6'] as const) {
    let text: string
    try {
      text = readFileSync(`/proc/net/${file}`, 'utf8')
    } catch {
      continue
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/)
      if (fields.length < 4) continue
      const port = (field: string): number => Number.parseInt(field.split(':')[1] ?? '', 16)
      const proto = file.startsWith('tcp') ? 'tcp' : 'udp'
      sockets.push({
        proto,
        localPort: port(fields[1]!),
        remotePort: port(fields[2]!),
        state: proto === 'tcp' ? (TCP_STATES[fields[3]!] ?? fields[3]!) : 'UNCONN',
      })
    }
  }
  return sockets
}

/**
 * The local ports of every TCP and UDP socket process `pid` holds open (its /proc/PID/fd links to
 * `socket:[inode]`, matched with the inode column of /proc/net/*), as `ss -tuanp` shows them.
 */
export function socketPortsOf(pid: number): number[] {
  const inodes = new Set<string>()
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      try {
        const target = readlinkSync(`/proc/${pid}/fd/${fd}`)
        const match = target.match(/^socket:\[(\d+)\]$/)
        if (match !== null) inodes.add(match[1]!)
      } catch {
        // The descriptor closed while we looked.
      }
    }
  } catch {
    return []
  }
  const ports = new Set<number>()
  for (const file of ['tcp', 'tcp6', 'udp', 'udp6']) {
    let text: string
    try {
      text = readFileSync(`/proc/net/${file}`, 'utf8')
    } catch {
      continue
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/)
      if (fields.length > 9 && inodes.has(fields[9]!))
        ports.add(Number.parseInt(fields[1]!.split(':')[1]!, 16))
    }
  }
  return [...ports]
}

/** States a TCP socket may linger in after every process let go of it: the kernel's, not a leak. */
const ORPHAN_STATES = new Set(['TIME_WAIT', 'FIN_WAIT1', 'FIN_WAIT2', 'LAST_ACK', 'CLOSING'])

/**
 * The sockets whose local port is `port` and that some process must still hold: listening, bound
 * (UDP) or connected. What the kernel keeps alone after a close (TIME_WAIT, FIN_WAIT2, ...) is left out.
 */
export function socketsOnPort(port: number): ProcSocket[] {
  return hostSockets().filter((socket) => socket.localPort === port && !ORPHAN_STATES.has(socket.state))
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
