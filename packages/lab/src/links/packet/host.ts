import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { rmSync } from 'node:fs'
import { setPriority } from 'node:os'
import { dirname } from 'node:path'
import { createInterface } from 'node:readline'
import type { Readable, Writable } from 'node:stream'
import type { PacketLinkCounts } from './counts.js'
import { type FrameCounts, FrameRelay, VXLAN_PORT } from './frame-relay.js'
import {
  type NamespaceCounters,
  readNamespaceCounters,
  TCP_WORK_FIELDS,
  type TcpWorkField,
} from './kernel-counters.js'
import {
  type HostMessage,
  type HostPlan,
  RECEIVER_ADDRESS,
  RECEIVER_ADDRESS_6,
  SENDER_ADDRESS,
  SENDER_ADDRESS_6,
} from './protocol.js'

/** Socket buffers of the relay: bursts wait here instead of being dropped. */
const SOCKET_BUFFER_BYTES = 8 * 1024 * 1024
/** Unsent bytes a TCP socket in the link's namespaces may hold (see runLink). */
const TCP_NOTSENT_LOWAT_BYTES = 128 * 1024
/** The lab's device inside each namespace (a VXLAN tunnel to the relay), and its MTU. */
const INNER_DEVICE = 'eth0'
const INNER_MTU = 1500
/** The veth under each tunnel: its end inside the namespace, and its MTU (a full frame plus VXLAN's 50 bytes). */
const UNDERLAY_DEVICE = 'underlay'
const UNDERLAY_MTU = 1600
/** Each side's underlay: a /30 on a veth between the link host's namespace (`outer`) and the side's. */
const SIDES = [
  {
    outer: 'a-out',
    address: SENDER_ADDRESS,
    address6: SENDER_ADDRESS_6,
    end: { relayAddress: '10.254.1.1', tunnelAddress: '10.254.1.2' },
  },
  {
    outer: 'b-out',
    address: RECEIVER_ADDRESS,
    address6: RECEIVER_ADDRESS_6,
    end: { relayAddress: '10.254.2.1', tunnelAddress: '10.254.2.2' },
  },
] as const
/** The link's nice value where it may have one (see raisePriority). */
const LINK_PRIORITY = -10
/** The real-time priority (SCHED_FIFO) of the relay where it may have one (see relayInRealTime). */
const RELAY_RT_PRIORITY = 50
const TOOL_TIMEOUT_MS = 10_000
const START_TIMEOUT_MS = 15_000
/** How many times, 20 ms apart, the counters are read before they are taken as settled. */
const SETTLE_READS = 50
const OFFLOADS = ['tx', 'off', 'tso', 'off', 'gso', 'off', 'gro', 'off']

/** A child's stderr, kept for messages. */
interface Started {
  readonly child: ChildProcess
  stderr: string
  readonly exited: Promise<number | null>
}

/**
 * The link host: runs as PID 1 of its own PID and network namespaces (under `unshare`), reads a
 * {@link HostPlan} line on `input`, builds the link, runs the lab's receiving and sending roles (this entry's `serve` and `run`) across it, and
 * writes {@link HostMessage} lines on `output`. When it exits, the kernel kills everything in its
 * PID namespace, and the network namespaces go with their last process: nothing outlives it. It
 * exits when `input` closes, so the death of the lab process, even by SIGKILL, ends the link.
 */
export async function runPacketLinkHost(input: Readable, output: Writable): Promise<number> {
  const say = (message: HostMessage): void => {
    output.write(`${JSON.stringify(message)}\n`)
  }
  const lines = createInterface({ input })
  const plan = await new Promise<HostPlan | undefined>((resolve) => {
    lines.once('line', (line) => resolve(JSON.parse(line) as HostPlan))
    lines.once('close', () => resolve(undefined))
  })
  if (plan === undefined) return 1
  raisePriority()
  // From now on, the end of stdin is the end of the lab process: end the link at once.
  // Its results directory goes too: a lab process killed outright cannot remove it itself.
  lines.once('close', () => {
    rmSync(dirname(plan.resultsFile), { recursive: true, force: true })
    process.exit(1)
  })
  try {
    await runLink(plan, say)
    return 0
  } catch (error) {
    say({ type: 'error', message: error instanceof Error ? error.message : String(error) })
    return 1
  }
}

/**
 * Where allowed (root), the link and the lab's roles in it run before the machine's other work
 * (nice −10, inherited by every process the host starts): on a busy machine, the relay path then
 * adds little latency of its own to what the impairment asked for. Elsewhere, nothing changes.
 */
function raisePriority(): void {
  try {
    setPriority(LINK_PRIORITY)
  } catch {
    // Not allowed (a user namespace): the link runs at the ordinary priority.
  }
}

/**
 * As root, the relay (this process) runs under SCHED_FIFO for the run, so a machine busy with
 * other work cannot hold frames up in its socket buffers and the link's rate and delay stay what
 * the impairment says. It sleeps in epoll between frames, and the kernel's real-time throttling
 * keeps 5% of each second for everything else even if it did not. This comes after every process
 * the host starts, none of which inherit it. Elsewhere (a user namespace may not) the link keeps
 * its nice value.
 */
async function relayInRealTime(): Promise<void> {
  await tool('chrt', [
    '--fifo',
    '--all-tasks',
    '--pid',
    String(RELAY_RT_PRIORITY),
    String(process.pid),
  ]).catch(() => {})
}

async function runLink(plan: HostPlan, say: (message: HostMessage) => void): Promise<void> {
  const holderA = await holder()
  const holderB = await holder()
  const inA = (command: string, args: readonly string[]) => nsenter(holderA, command, args)
  const inB = (command: string, args: readonly string[]) => nsenter(holderB, command, args)
  // IPv6 off everywhere before the veths exist: the link then carries only what the lab sends.
  const quietIpv6 =
    'echo 1 > /proc/sys/net/ipv6/conf/default/disable_ipv6; echo 1 > /proc/sys/net/ipv6/conf/all/disable_ipv6'
  await sh(
    `ip link set lo up; ${quietIpv6}; echo ${SOCKET_BUFFER_BYTES} > /proc/sys/net/core/rmem_max; echo ${SOCKET_BUFFER_BYTES} > /proc/sys/net/core/wmem_max; true`,
  )
  // A TCP sender keeps at most this much unsent data in the kernel (tcp_notsent_lowat), as
  // latency-minded senders do: what sat in a deep send buffer would be delivered long after the
  // run's end, and a flow's numbers would mostly say how big that buffer was.
  const shallowSendQueue = `echo ${TCP_NOTSENT_LOWAT_BYTES} > /proc/sys/net/ipv4/tcp_notsent_lowat`
  for (const pid of [holderA, holderB])
    await tool(...nsenter(pid, 'sh', ['-c', `${quietIpv6}; ${shallowSendQueue}; true`]))
  // Each side: a veth from the link host's namespace into the side's, and over it a VXLAN tunnel
  // to the relay, which is the side's Ethernet device. The kernel puts every frame into a UDP
  // datagram to the relay, and takes the relay's datagrams out again, so no process but the relay
  // handles frames. It sends from its port too (srcport), not from one picked per flow.
  for (const [side, pid] of [
    [SIDES[0], holderA],
    [SIDES[1], holderB],
  ] as const) {
    const run = (command: string, args: readonly string[]) => nsenter(pid, command, args)
    const { outer, address, address6, end } = side
    await tool('ip', [
      'link',
      'add',
      outer,
      'type',
      'veth',
      'peer',
      'name',
      UNDERLAY_DEVICE,
      'netns',
      String(pid),
    ])
    await tool('ip', ['addr', 'add', `${end.relayAddress}/30`, 'dev', outer])
    await tool(...run('ip', ['addr', 'add', `${end.tunnelAddress}/30`, 'dev', UNDERLAY_DEVICE]))
    const port = String(VXLAN_PORT)
    await tool(
      ...run('ip', [
        'link',
        'add',
        INNER_DEVICE,
        'type',
        'vxlan',
        'id',
        '1',
        'local',
        end.tunnelAddress,
        'remote',
        end.relayAddress,
        'dstport',
        port,
        'srcport',
        port,
        String(VXLAN_PORT + 1),
        'dev',
        UNDERLAY_DEVICE,
      ]),
    )
    await tool(...run('ip', ['addr', 'add', `${address}/24`, 'dev', INNER_DEVICE]))
    if (plan.family === 6) {
      // IPv6 on the lab's device only, without duplicate address detection and router
      // solicitations: the addresses work at once, and little but the lab's packets crosses.
      const conf = `/proc/sys/net/ipv6/conf/${INNER_DEVICE}`
      const settings = { accept_dad: 0, accept_ra: 0, router_solicitations: 0, disable_ipv6: 0 }
      const script = Object.entries(settings).map(([name, value]) => `echo ${value} > ${conf}/${name}`)
      await tool(...run('sh', ['-c', script.join('; ')]))
      await tool(...run('ip', ['-6', 'addr', 'add', `${address6}/64`, 'dev', INNER_DEVICE, 'nodad']))
    }
    // With tx checksum offload on, TCP frames cross with unfilled checksums, and a datagram
    // handed on with its checksum unchecked makes the receiving kernel trust the frame inside
    // too, corrupted or not: off, all of it, on every device of the path.
    await tool('ethtool', ['-K', outer, ...OFFLOADS])
    for (const device of [UNDERLAY_DEVICE, INNER_DEVICE])
      await tool(...run('ethtool', ['-K', device, ...OFFLOADS]))
    await tool('ip', ['link', 'set', outer, 'mtu', String(UNDERLAY_MTU), 'up'])
    await tool(...run('ip', ['link', 'set', UNDERLAY_DEVICE, 'mtu', String(UNDERLAY_MTU), 'up']))
    await tool(...run('ip', ['link', 'set', INNER_DEVICE, 'mtu', String(INNER_MTU), 'up']))
    await tool(...run('ip', ['link', 'set', 'lo', 'up']))
  }

  const relay = await FrameRelay.start({
    impairment: plan.impairment,
    seed: plan.seed,
    direction: plan.direction,
    sender: SIDES[0].end,
    receiver: SIDES[1].end,
    exemptTcpPort: plan.controlPort,
    socketBufferBytes: SOCKET_BUFFER_BYTES,
  })

  let capture: Started | undefined
  if (plan.capture !== undefined) {
    capture = start(
      ...inA('tcpdump', [
        '-i',
        INNER_DEVICE,
        '-U',
        '--immediate-mode',
        '-Z',
        'root',
        '-w',
        plan.capture,
        plan.family === 6 ? 'ip6' : 'ip',
      ]),
    )
    await waitFor(capture, /listening on/, 'the capture (tcpdump)')
  }

  relay.arm()
  const before = await Promise.all([
    readNamespaceCounters('self'),
    readNamespaceCounters(holderA),
    readNamespaceCounters(holderB),
  ])

  const [sender, receiver] = SIDES.map((side) => (plan.family === 6 ? side.address6 : side.address))
  const server = start(...inB(plan.node, [plan.entry, 'serve', `${receiver}:${plan.controlPort}`]))
  await waitFor(server, /listening on/, 'the lab server')
  say({
    type: 'ready',
    description: `packet link: ${sender} ⇄ ${receiver}, two network namespaces whose Ethernet frames cross the seeded impairer (VXLAN tunnels to a relay)`,
  })
  const client = start(
    ...inA(plan.node, [
      plan.entry,
      'run',
      `${receiver}:${plan.controlPort}`,
      JSON.stringify(plan.workload),
      plan.resultsFile,
    ]),
  )
  createInterface({ input: client.child.stdout! }).on('line', (line) => say({ type: 'progress', line }))
  // Last: what this process starts from then on (chrt itself) would inherit it.
  await relayInRealTime()
  const ended = await Promise.race([
    client.exited.then((code) => ({ who: 'client' as const, code })),
    server.exited.then((code) => ({ who: 'server' as const, code })),
  ])
  if (ended.who === 'server') throw new Error(`the lab server ended during the run: ${complaint(server)}`)
  if (ended.code !== 0) throw new Error(`the lab client failed: ${complaint(client)}`)
  server.child.kill('SIGKILL')
  await server.exited
  if (capture !== undefined) {
    capture.child.kill('SIGTERM')
    await capture.exited
  }
  await relay.idle()
  const after = await settledCounters(holderA, holderB)
  say({
    type: 'done',
    counts: { ...linkCounts(plan, relay.counts(), before, after), ports: relay.portCounts() },
  })
  await relay.close()
}

function linkCounts(
  plan: HostPlan,
  relayed: { forward: FrameCounts; backward: FrameCounts },
  before: readonly NamespaceCounters[],
  after: readonly NamespaceCounters[],
): Omit<PacketLinkCounts, 'ports'> {
  const delta = (index: number, pick: (counters: NamespaceCounters) => number): number =>
    pick(after[index]!) - pick(before[index]!)
  const inner = (index: number, field: 'rxPackets' | 'txPackets' | 'txDropped') =>
    delta(index, (counters) => counters.interfaces.get(INNER_DEVICE)?.[field] ?? 0)
  const sentIntoLink = [1, 2].reduce((sum, i) => sum + inner(i, 'txPackets') + inner(i, 'txDropped'), 0)
  const delivered = [1, 2].reduce((sum, i) => sum + inner(i, 'rxPackets'), 0)
  const { forward, backward } = relayed
  const tcpKernel = {} as Record<TcpWorkField, number>
  for (const field of TCP_WORK_FIELDS)
    tcpKernel[field] = delta(1, (c) => c.tcp[field]) + delta(2, (c) => c.tcp[field])
  const pathDrops =
    sentIntoLink - (forward.frames + backward.frames) + (forward.forwarded + backward.forwarded - delivered)
  return {
    direction: plan.direction,
    forward,
    backward,
    pathDrops: Math.max(0, pathDrops),
    socketDrops: delta(0, (counters) => counters.udpSocketDrops),
    udpChecksumErrors: delta(1, (c) => c.udpChecksumErrors) + delta(2, (c) => c.udpChecksumErrors),
    tcpChecksumErrors: delta(1, (c) => c.tcpChecksumErrors) + delta(2, (c) => c.tcpChecksumErrors),
    receiverBufferDrops: delta(2, (c) => c.udpRcvbufErrors),
    tcpKernel,
  }
}

/** The three namespaces' counters once frames stopped moving (two reads alike, 20 ms apart). */
async function settledCounters(holderA: number, holderB: number): Promise<NamespaceCounters[]> {
  const read = () =>
    Promise.all([
      readNamespaceCounters('self'),
      readNamespaceCounters(holderA),
      readNamespaceCounters(holderB),
    ])
  let last = await read()
  for (let i = 0; i < SETTLE_READS; i++) {
    await new Promise((resolve) => setTimeout(resolve, 20))
    const next = await read()
    if (JSON.stringify(serializable(next)) === JSON.stringify(serializable(last))) return next
    last = next
  }
  return last
}

function serializable(counters: readonly NamespaceCounters[]): unknown {
  return counters.map((c) => ({ ...c, interfaces: [...c.interfaces] }))
}

/** A process in a network namespace of its own, holding it for as long as the link host lives. */
async function holder(): Promise<number> {
  // It waits on a pipe from the host that is never written: it goes when the host goes.
  const started = start(
    'unshare',
    ['--net', 'sh', '-c', 'echo ready; read line', 'protolab-packet-link-holder'],
    'pipe',
  )
  await new Promise<void>((resolve, reject) => {
    started.child.stdout!.once('data', () => resolve())
    started.exited.then(() => reject(new Error(`cannot make a network namespace: ${complaint(started)}`)))
  })
  return started.child.pid!
}

function nsenter(pid: number, command: string, args: readonly string[]): [string, string[]] {
  return ['nsenter', [`--net=/proc/${pid}/ns/net`, command, ...args]]
}

function start(command: string, args: readonly string[], stdin: 'ignore' | 'pipe' = 'ignore'): Started {
  const child = spawn(command, args, {
    stdio: [stdin, 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1' },
  })
  const started: Started = {
    child,
    stderr: '',
    exited: new Promise((resolve) => {
      child.once('close', (code) => resolve(code))
      child.once('error', (error) => {
        started.stderr += `${error.message}\n`
        resolve(null)
      })
    }),
  }
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    started.stderr = (started.stderr + chunk).slice(-16_384)
  })
  return started
}

function waitFor(started: Started, pattern: RegExp, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () =>
        finish(new Error(`${what} did not start within ${START_TIMEOUT_MS / 1000} s: ${complaint(started)}`)),
      START_TIMEOUT_MS,
    )
    const check = (): void => {
      if (pattern.test(started.stderr)) finish(undefined)
    }
    const finish = (error: Error | undefined): void => {
      clearTimeout(timer)
      started.child.stderr!.off('data', check)
      if (error === undefined) resolve()
      else reject(error)
    }
    started.child.stderr!.on('data', check)
    started.exited.then(() => finish(new Error(`${what} exited before it was ready: ${complaint(started)}`)))
    check()
  })
}

function complaint(started: Started): string {
  const lines = started.stderr.split('\n').filter((line) => line.trim() !== '')
  const error = lines.filter((line) => line.startsWith('protolab: ')).at(-1)
  return error?.slice('protolab: '.length) ?? lines.at(-1) ?? 'no message'
}

function tool(command: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { timeout: TOOL_TIMEOUT_MS, encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error === null) resolve(stdout)
      else
        reject(
          new Error(
            `'${[command, ...args].join(' ')}' failed: ${stderr.trim().split('\n')[0] || error.message}`,
          ),
        )
    })
  })
}

function sh(script: string): Promise<string> {
  return tool('sh', ['-c', script])
}
