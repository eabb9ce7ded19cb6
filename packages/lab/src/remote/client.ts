import {
  AbortError,
  attributeLoss,
  type Destination,
  decodeMessageRecords,
  type FlowPacing,
  type FlowPlan,
  type FlowSpec,
  formatHostPort,
  InvalidArgumentError,
  isProtolabError,
  type LabInterval,
  labMetricsFromSummary,
  MAX_FLOWS,
  messagesPerSecond,
  type ReceiverSummary,
  randomSessionId,
} from '@protolab/core'
import { type TcpEndpoint, tcp } from '@protolab/tcp'
import { LabError } from '../errors.js'
import { quietTimeMs } from '../runner/drain.js'
import type { LabFlowSharing, LabFlowsRun } from '../runner/flow-types.js'
import { type FlowMeasurement, type FlowsLinkContext, flowsRun } from '../runner/flows-result.js'
import { SentTally } from '../runner/intervals.js'
import { withLostBy } from '../runner/lost-by.js'
import { type LabPlan, resolveLabOptions } from '../runner/options.js'
import { type LabEndpoint, openLabEndpoint } from '../runner/roles/endpoints.js'
import { LAB_SOCKET_BUFFER_BYTES } from '../runner/run-hosts.js'
import { buildTrace } from '../runner/trace.js'
import type { LabMode, LabProgress, LabRun, LabTrace, LabTransportName } from '../runner/types.js'
import { wireFields } from '../runner/wire-fields.js'
import { labTransport } from '../transports/registry.js'
import { ControlChannel } from './channel.js'
import { type ClockSync, readBootId, syncClocks } from './clock.js'
import { ControlProtocolError, RemoteLabRefusedError } from './errors.js'
import {
  type FlowWork,
  flowWork,
  fromBase64,
  type ReceiverOutcome,
  runCountingSide,
  type SenderOutcome,
  tcpInfoOf,
} from './flows.js'
import { ForwardIntervals } from './forward-intervals.js'
import { controlFraming, MAX_SENT_LINE_BYTES } from './framing.js'
import {
  type FlowDirection,
  flowTransport,
  helloMessage,
  MAX_QUIET_MS,
  type SessionRequest,
} from './protocol.js'
import { HANDSHAKE_TIMEOUT_MS } from './server.js'
import { encodeDataHello, SessionEndpoint } from './session-endpoint.js'
import type { RemoteLabReport } from './types.js'

/** What {@link runRemoteLab} runs against a `lab serve`. */
export interface RemoteLabOptions {
  /** The server's control address. */
  readonly server: Destination
  /** One session per transport, in this order. */
  readonly transports: readonly LabTransportName[]
  /** `forward` (default): this side sends; `reverse`: the server sends; `bidir`: both at once. */
  readonly direction?: 'forward' | 'reverse' | 'bidir'
  /**
   * n flows of each transport at once, all in `direction` (not `bidir`), each with its own data
   * socket or connection and numbers, as iperf3's `-P`; the report then has `flowRuns`.
   */
  readonly parallel?: number
  /**
   * Flows of several transports at once (`--flows udp:1@30mbit,tcp:2`), each paced at its own rate,
   * all forward: one session per transport, each on a control connection of its own, run at the
   * same time. The report's `flowRuns` then holds one run of all the flows. Not with `parallel`.
   */
  readonly flows?: FlowPlan<LabTransportName>
  /**
   * What lies between the hosts, when the caller knows it (the packet link does): how a run of
   * flows describes its link. Default: a real network, nothing modelled, no bottleneck rate known.
   */
  readonly between?: FlowsLinkContext
  readonly count?: number
  readonly size?: number
  /** Messages per second, 0 = as fast as possible (default). */
  readonly rate?: number
  readonly durationMs?: number
  readonly mode?: LabMode
  /** Keep per-message data for `--log` and `--report`. */
  readonly trace?: boolean
  /** UDP: SO_RCVBUF of the receiving socket. */
  readonly recvBufferBytes?: number
  /** Reported as each run's seed (nothing is seeded across a real network); default 0. */
  readonly seed?: number
  /** `--interval`, ms: the counting side of each flow reports what arrived per interval (the server in its log). */
  readonly intervalMs?: number
}

/** Per-call options of {@link runRemoteLab}. */
export interface RunRemoteLabOptions {
  readonly signal?: AbortSignal
  readonly onProgress?: (progress: LabProgress) => void
  /**
   * With `intervalMs`: told of each interval as it closes: of a reverse flow, as this host counted
   * it (`sent` unknown, 0); of a forward flow, as the server counted it, with what this host sent
   * in it and, over TCP, the kernel's `retransmits` and `cwnd`.
   */
  readonly onInterval?: (transport: LabTransportName, interval: LabInterval, direction: FlowDirection) => void
}

/** How long connecting to the server may take. */
const CONNECT_TIMEOUT_MS = 10_000
/** Client heartbeats while a session runs, and how long the server may stay silent. */
const HEARTBEAT_MS = 1000
const SILENCE_MS = 15_000
/** How often a reverse UDP flow repeats its data hello until the server has heard it (it may be lost). */
const DATA_HELLO_INTERVAL_MS = 50
/** Room per message for results sent back: per-message records and send times in base64. */
const RESULT_BYTES_PER_MESSAGE = 32
const BASE_MAX_LINE_BYTES = 4 * 1024 * 1024

/**
 * `protolab lab run`: runs the lab against a `lab serve` on another host (or namespace): one
 * control connection, then per transport a session whose flows go one way, the other, or both at
 * once. The server's half of the results comes back over the control channel, so the runs have
 * exactly the fields of a local run (plus the direction, and TCP's kernel numbers).
 *
 * @throws RemoteLabRefusedError when the server is busy, speaks another version, or the session fails there
 * @throws LabError when the server cannot be reached or goes silent
 * @throws AbortError when `signal` aborts
 */
export async function runRemoteLab(
  options: RemoteLabOptions,
  context: RunRemoteLabOptions = {},
): Promise<RemoteLabReport> {
  const plan = resolveLabOptions({
    transports: options.transports,
    ...(options.count === undefined ? {} : { count: options.count }),
    ...(options.size === undefined ? {} : { size: options.size }),
    ...(options.rate === undefined ? {} : { rate: options.rate }),
    ...(options.durationMs === undefined ? {} : { durationMs: options.durationMs }),
    ...(options.mode === undefined ? {} : { mode: options.mode }),
    ...(options.recvBufferBytes === undefined ? {} : { recvBufferBytes: options.recvBufferBytes }),
  })
  const signal = context.signal ?? new AbortController().signal
  const parallel = options.parallel
  if (parallel !== undefined) {
    if (!Number.isSafeInteger(parallel) || parallel < 1 || parallel > MAX_FLOWS) {
      throw new InvalidArgumentError(`parallel must be 1 to ${MAX_FLOWS} flows, got ${String(parallel)}`)
    }
    if (options.direction === 'bidir') {
      throw new InvalidArgumentError('parallel flows go one way: forward or reverse, not bidir')
    }
  }
  if (options.flows !== undefined) return runRemoteFlows(options, options.flows, plan, signal, context)
  const direction = options.direction ?? 'forward'
  const flows: FlowDirection[] =
    direction === 'bidir'
      ? ['forward', 'reverse']
      : Array.from({ length: parallel ?? 1 }, (): FlowDirection => direction)
  return overControl(options.server, plan, signal, async (control) => {
    const runs: LabRun[] = []
    const traces: LabTrace[] = []
    const flowRuns: LabFlowsRun[] = []
    for (const transport of plan.transports) {
      const request = sessionRequest(plan, [transport], flows, options, control.clock)
      const session = await runSessionOver(control, request, options.seed ?? 0, signal, context)
      runs.push(...session.runs)
      traces.push(...session.traces)
      if (parallel !== undefined)
        flowRuns.push(remoteFlowsRun(request.mode, session.measurements, options.seed ?? 0, options.between))
    }
    return parallel === undefined ? { runs, traces } : { runs, traces, flowRuns }
  })
}

/**
 * `flows` across hosts: one session whose flows each have their own transport and rate, all at
 * once, forward. The flows' numbers come together in one run of flows.
 */
async function runRemoteFlows(
  options: RemoteLabOptions,
  flowPlan: FlowPlan<LabTransportName>,
  plan: LabPlan,
  signal: AbortSignal,
  context: RunRemoteLabOptions,
): Promise<RemoteLabReport> {
  if (options.parallel !== undefined) {
    throw new InvalidArgumentError('flows and parallel do not go together: write the count in the flows')
  }
  if ((options.direction ?? 'forward') !== 'forward') {
    throw new InvalidArgumentError('flows of several transports go forward only: this side sends')
  }
  if (flowPlan.flows.length === 0 || flowPlan.flows.length > MAX_FLOWS) {
    throw new InvalidArgumentError(`flows must be 1 to ${MAX_FLOWS}, got ${flowPlan.flows.length}`)
  }
  const seed = options.seed ?? 0
  const transports = flowPlan.flows.map((flow) => flow.transport)
  return overControl(options.server, plan, signal, async (control) => {
    const request: SessionRequest = {
      ...sessionRequest(
        plan,
        transports,
        flowPlan.flows.map((): FlowDirection => 'forward'),
        options,
        control.clock,
      ),
      // Each flow has a socket of its own: deep buffers, so what a flow loses is the network's.
      recvBufferBytes: plan.recvBufferBytes ?? LAB_SOCKET_BUFFER_BYTES,
      transports,
      rates: flowPlan.flows.map((flow) => messagesPerSecond(flow.rate, plan.size)),
    }
    const session = await runSessionOver(control, request, seed, signal, context)
    // The session numbers its flows 1..n in order: give each its id in the plan.
    const measurements = session.measurements.map((measurement, index) => ({
      ...measurement,
      spec: flowPlan.flows[index] as FlowSpec<LabTransportName>,
    }))
    return { ...session, flowRuns: [remoteFlowsRun(plan.mode, measurements, seed, options.between)] }
  })
}

/** A control connection after the handshake: its channel, the two clocks, the heartbeat period. */
interface Control {
  readonly connection: Connection
  readonly clock: ClockSync
  readonly heartbeatMs: number
}

/**
 * Connects to the server, says hello, syncs the clocks, runs `work`, and says bye. A failure of
 * the channel (the server's error, a silence) is what is thrown, as it says more than what it caused.
 */
async function overControl<T>(
  server: Destination,
  plan: LabPlan,
  signal: AbortSignal,
  work: (control: Control) => Promise<T>,
): Promise<T> {
  const connection = await connect(
    server,
    BASE_MAX_LINE_BYTES + RESULT_BYTES_PER_MESSAGE * plan.count,
    signal,
  )
  const { channel } = connection
  try {
    const bootId = readBootId()
    await channel.send(helloMessage(bootId))
    const hello = await channel.next('hello', { timeoutMs: HANDSHAKE_TIMEOUT_MS, signal })
    const clock = await syncClocks(channel, bootId !== null && hello.bootId === bootId, signal)
    const heartbeatMs = Math.max(
      100,
      Math.min(HEARTBEAT_MS, Math.floor((hello.idleTimeoutMs || HEARTBEAT_MS * 3) / 3)),
    )
    const result = await work({ connection, clock, heartbeatMs })
    await channel.send({ type: 'bye' }).catch(() => {})
    return result
  } catch (error) {
    if (signal.aborted) throw new AbortError()
    throw channel.error !== undefined && !isProtolabError(channel.error, 'ERR_CLOSED') ? channel.error : error
  } finally {
    await channel.close()
  }
}

/** The session a transport's flows ask the server for. */
function sessionRequest(
  plan: LabPlan,
  flowTransports: readonly LabTransportName[],
  flows: readonly FlowDirection[],
  options: RemoteLabOptions,
  clock: ClockSync,
): SessionRequest {
  const transport = flowTransports[0]!
  const quietMs = Math.max(
    ...flowTransports.map((each) => quietTimeMs(each, undefined, plan.size, plan.mode)),
  )
  return {
    session: randomSessionId(),
    transport,
    count: plan.count,
    size: plan.size,
    rate: plan.rate,
    durationMs: plan.durationMs ?? null,
    mode: plan.mode,
    flows,
    trace: options.trace === true,
    // As on one host: a paced UDP run gets a receive buffer deep enough that a starved receiver
    // drops nothing (the loss shown is the network's); blast mode shows the OS default overflowing.
    recvBufferBytes:
      plan.recvBufferBytes ?? (transport === 'udp' && plan.rate > 0 ? LAB_SOCKET_BUFFER_BYTES : null),
    quietMs: Math.min(MAX_QUIET_MS, Math.ceil(quietMs + 4 * clock.rttMs)),
    clockOffsetMs: clock.offsetMs,
    intervalMs: options.intervalMs ?? null,
    ...(options.intervalMs === undefined ? {} : { liveIntervals: true }),
  }
}

/** One session on a control connection, with heartbeats while it runs. */
async function runSessionOver(
  control: Control,
  request: SessionRequest,
  seed: number,
  signal: AbortSignal,
  context: RunRemoteLabOptions,
): Promise<SessionReport> {
  const { channel, endpoint } = control.connection
  channel.startHeartbeat(control.heartbeatMs, SILENCE_MS)
  try {
    return await runSession(channel, endpoint, request, control.clock, seed, {
      signal: AbortSignal.any([signal, channel.failed]),
      onProgress: context.onProgress,
      onInterval: context.onInterval,
    })
  } finally {
    channel.stopHeartbeat()
  }
}

interface Connection {
  readonly endpoint: TcpEndpoint
  readonly channel: ControlChannel
}

async function connect(server: Destination, maxLineBytes: number, signal: AbortSignal): Promise<Connection> {
  const where = formatHostPort(server.address, server.port)
  let endpoint: TcpEndpoint
  try {
    endpoint = await tcp({ framing: controlFraming(maxLineBytes), maxFrameBytes: MAX_SENT_LINE_BYTES }).open({
      peer: server,
      signal: AbortSignal.any([signal, AbortSignal.timeout(CONNECT_TIMEOUT_MS)]),
    })
  } catch (error) {
    if (signal.aborted) throw new AbortError()
    const reason = isProtolabError(error, 'ERR_ABORTED')
      ? `no answer within ${CONNECT_TIMEOUT_MS / 1000} s`
      : error instanceof Error
        ? error.message
        : String(error)
    throw new LabError('ERR_PEER_UNREACHABLE', `cannot reach a lab server at ${where}: ${reason}`, {
      reason: 'server-unreachable',
      detail: { where },
      cause: error,
    })
  }
  const channel = new ControlChannel(
    { send: (line) => endpoint.send(line), close: () => endpoint.close() },
    { peerName: `the lab server at ${where}` },
  )
  void (async () => {
    try {
      for await (const message of endpoint) channel.deliver(message.payload)
      channel.end()
    } catch (error) {
      channel.end(error)
    }
  })()
  return { endpoint, channel }
}

interface SessionContext {
  readonly signal: AbortSignal
  readonly onProgress: ((progress: LabProgress) => void) | undefined
  readonly onInterval:
    | ((transport: LabTransportName, interval: LabInterval, direction: FlowDirection) => void)
    | undefined
}

/** One session: the data endpoints of each flow, the start handshake, the flows, the runs. */
async function runSession(
  channel: ControlChannel,
  control: TcpEndpoint,
  request: SessionRequest,
  clock: ClockSync,
  seed: number,
  context: SessionContext,
): Promise<SessionReport> {
  const { signal } = context
  await channel.send({ type: 'session', ...request })
  const ready = await channel.next('ready', { timeoutMs: HANDSHAKE_TIMEOUT_MS, signal })
  if (ready.session !== request.session || ready.ports.length !== request.flows.length) {
    throw new ControlProtocolError(
      `${channel.peerName} answered a session request with a mismatched ready message`,
    )
  }
  if (request.transports != null && ready.transports == null) {
    throw new RemoteLabRefusedError(
      `${channel.peerName} is an older protolab that cannot run flows of several transports in one session`,
      'version',
    )
  }
  const serverHost = control.remoteAddress?.address ?? ''
  const localHost = control.localAddress.address
  const endpoints: SessionEndpoint[] = []
  let helloTimer: NodeJS.Timeout | undefined
  let unsubscribe = (): void => {}
  try {
    for (const [index, direction] of request.flows.entries()) {
      const receiving = direction === 'reverse'
      const descriptor = labTransport(flowTransport(request, index))
      const inner: LabEndpoint = await openLabEndpoint(descriptor.name, {
        ...(descriptor.semantics.connectionOriented ? {} : { bind: { host: localHost, port: 0 } }),
        peer: { address: serverHost, port: ready.ports[index] ?? 0 },
        payloadBytes: request.size,
        recvBufferBytes: receiving ? (request.recvBufferBytes ?? undefined) : undefined,
        signal,
      })
      endpoints.push(
        new SessionEndpoint(inner, {
          session: request.session,
          peerHost: serverHost,
          // One-way arrivals here are put on the server's clock, the sender's.
          clockShiftMs: receiving && request.mode === 'oneway' ? clock.offsetMs : 0,
        }),
      )
    }
    const onInterval = context.onInterval
    const work = flowWork(
      request,
      endpoints,
      channel,
      false,
      signal,
      onInterval === undefined
        ? undefined
        : (flow, interval) => onInterval(flowTransport(request, flow), interval, 'reverse'),
    )
    // A reverse flow's socket says hello, so the server learns where to send; over unreliable
    // datagrams (UDP) it is repeated until heard.
    const hello = encodeDataHello(request.session)
    const receivingSides = work.filter((item) => item.kind === 'count')
    const sayHello = (): void => {
      for (const item of receivingSides) void item.side.endpoint.send(hello).catch(() => {})
    }
    sayHello()
    if (
      receivingSides.some((item) => !labTransport(flowTransport(request, item.side.index)).semantics.reliable)
    ) {
      helloTimer = setInterval(sayHello, DATA_HELLO_INTERVAL_MS)
    }
    await channel.send({ type: 'start' })
    const started = await channel.next('started', { timeoutMs: HANDSHAKE_TIMEOUT_MS, signal })
    clearInterval(helloTimer)
    const forward = forwardIntervals(request, work, started.intervalOriginNs, context.onInterval)
    unsubscribe = channel.subscribe('interval', (message) =>
      forward.get(message.flow)?.live(message.interval),
    )
    const outcomes = await Promise.all(
      work.map((item) =>
        item.kind === 'send'
          ? item.sender.run(
              (sent, elapsedMs) =>
                context.onProgress?.({
                  transport: flowTransport(request, item.side.index),
                  sent,
                  total: request.count,
                  elapsedMs,
                  durationMs: request.durationMs ?? undefined,
                  phase: 'sending',
                }),
              forward.get(item.side.index)?.tally,
            )
          : runCountingSide(item.side, item.counter, item.intervals),
      ),
    )
    const runs: LabRun[] = []
    const traces: LabTrace[] = []
    const measurements: FlowMeasurement[] = []
    for (const [index, outcome] of outcomes.entries()) {
      const direction = request.flows[index] ?? 'forward'
      const transport = flowTransport(request, index)
      // A flow's run is built as its own transport's.
      const flowRequest = { ...request, transport, rate: request.rates?.[index] ?? request.rate }
      const built =
        direction === 'forward'
          ? await withForwardIntervals(
              runOfForwardFlow(flowRequest, outcome as SenderOutcome, clock, seed),
              outcome as SenderOutcome,
              forward.get(index),
            )
          : runOfReverseFlow(flowRequest, outcome as ReceiverOutcome, clock, seed)
      runs.push(built.run)
      if (built.trace !== undefined) traces.push(built.trace)
      measurements.push({
        spec: { id: index + 1, transport, rate: pacingOf(flowRequest.rate) },
        sent: built.sent,
        summary: built.summary,
        ...(direction === 'forward' ? { receiverPort: ready.ports[index] } : {}),
        ...(built.run.lostBy === undefined
          ? {}
          : {
              lossCounts: {
                receiverBuffer: built.run.lostBy.receiverBuffer,
                sender: built.run.lostBy.sender,
              },
            }),
        ...(built.tcp === null ? {} : { tcp: built.tcp }),
      })
    }
    await channel.send({ type: 'end', session: request.session })
    return { runs, traces, measurements }
  } finally {
    clearInterval(helloTimer)
    unsubscribe()
    await Promise.allSettled(endpoints.map((endpoint) => endpoint.close()))
  }
}

/**
 * With intervals, per forward flow (by index): what collects the server's intervals and adds this
 * side's numbers. None from a server that gave no origin (an older one: its intervals stay in its log).
 */
function forwardIntervals(
  request: SessionRequest,
  work: readonly FlowWork[],
  originNs: number | undefined,
  onInterval: SessionContext['onInterval'],
): Map<number, ForwardIntervals> {
  const flows = new Map<number, ForwardIntervals>()
  const intervalMs = request.intervalMs ?? undefined
  if (intervalMs === undefined || originNs === undefined) return flows
  for (const item of work) {
    if (item.kind !== 'send') continue
    const endpoint = item.side.endpoint
    flows.set(
      item.side.index,
      new ForwardIntervals(
        new SentTally(originNs, intervalMs),
        endpoint.semantics.connectionOriented
          ? async () => (await tcpInfoOf(endpoint)) ?? undefined
          : undefined,
        onInterval === undefined
          ? undefined
          : (interval) => onInterval(flowTransport(request, item.side.index), interval, 'forward'),
      ),
    )
  }
  return flows
}

/** A forward flow's run with the intervals the server counted, completed here. */
async function withForwardIntervals(
  built: BuiltRun,
  outcome: SenderOutcome,
  intervals: ForwardIntervals | undefined,
): Promise<BuiltRun> {
  const counted = outcome.receiver?.intervals
  if (intervals === undefined || counted === undefined || counted.length === 0) return built
  const all = await intervals.complete(counted, built.run.lost, outcome.half.tcp)
  return { ...built, run: { ...built.run, intervals: all } }
}

interface BuiltRun {
  readonly run: LabRun
  readonly trace: LabTrace | undefined
  /** What the flow's counting side summed up (the echo counter's in round-trip mode), and sent. */
  readonly summary: ReceiverSummary
  readonly sent: number
  readonly tcp: SenderOutcome['half']['tcp']
}

/** A session's runs, and each flow's numbers as a run of flows takes them. */
interface SessionReport extends RemoteLabReport {
  readonly measurements: readonly FlowMeasurement[]
}

/** What the flows of a session share across hosts: the two hosts and the network between them. */
export const REMOTE_LINK_SHARING: LabFlowSharing = {
  bottleneck: false,
  note:
    'across hosts the flows share the two hosts and the real network between them, each with its ' +
    'own socket or connection; nothing is modelled, and no bottleneck rate is known',
}

/** A lab's messages/s as a flow's pacing (undefined: unpaced). */
function pacingOf(rate: number): FlowPacing | undefined {
  return rate > 0 ? { messagesPerSec: rate } : undefined
}

/** Flows run at once as one run of flows: each flow's numbers, the aggregate, fairness. */
function remoteFlowsRun(
  mode: LabMode,
  measurements: readonly FlowMeasurement[],
  seed: number,
  between: FlowsLinkContext = { link: 'remote', impairment: null, sharing: REMOTE_LINK_SHARING },
): LabFlowsRun {
  return flowsRun(measurements, { mode, seed, ...between })
}

/** A flow this side sent: the server counted it (one-way) or echoed it (round trip). */
function runOfForwardFlow(
  request: SessionRequest,
  outcome: SenderOutcome,
  clock: ClockSync,
  seed: number,
): BuiltRun {
  const server = outcome.receiver
  if (server === null) throw new ControlProtocolError('the lab server sent no results for a flow it received')
  const summary = outcome.half.echo ?? server.summary
  // In round-trip mode the server's own tally of what it could not echo is added.
  const echoer = outcome.half.echo === null ? undefined : server.summary
  return buildRun(request, 'forward', {
    summary,
    sent: outcome.half.sent,
    startNs: outcome.half.startNs,
    sentAtMs: outcome.sentAtMs,
    extraCorrupted: echoer?.corrupted ?? 0,
    extraForeign: (echoer?.foreign ?? 0) + server.foreign + outcome.half.foreign,
    recvBufferBytes: server.recvBufferBytes,
    // Round trip: the echoes arrive here, so this side's socket drops count too.
    receiverDrops: sumDrops(server.socketDrops, outcome.half.echo === null ? null : outcome.echoDrops),
    senderDrops: server.echoFailures,
    tcp: outcome.half.tcp,
    wire: outcome.half.wire,
    error: outcome.half.error,
    clock,
    seed,
  })
}

/** A flow the server sent: this side counted it (one-way) or echoed it (round trip). */
function runOfReverseFlow(
  request: SessionRequest,
  outcome: ReceiverOutcome,
  clock: ClockSync,
  seed: number,
): BuiltRun {
  const server = outcome.sender
  if (server === null) throw new ControlProtocolError('the lab server sent no report for a flow it sent')
  const summary = server.echo ?? outcome.half.summary
  const echoer = server.echo === null ? undefined : outcome.half.summary
  const built = buildRun(request, 'reverse', {
    summary,
    sent: server.sent,
    startNs: server.startNs,
    sentAtMs: server.sentAtMs === null ? undefined : fromBase64(server.sentAtMs),
    extraCorrupted: echoer?.corrupted ?? 0,
    extraForeign: (echoer?.foreign ?? 0) + outcome.half.foreign + server.foreign,
    recvBufferBytes: outcome.half.recvBufferBytes,
    receiverDrops: outcome.half.socketDrops ?? null,
    senderDrops: outcome.half.echoFailures,
    tcp: server.tcp,
    wire: server.wire,
    error: server.error,
    clock,
    seed,
  })
  // This host counted the flow, so its intervals are here (sent per interval is the server's, unknown).
  return outcome.intervals.length === 0
    ? built
    : { ...built, run: { ...built.run, intervals: outcome.intervals } }
}

interface RunParts {
  readonly summary: ReceiverSummary
  readonly sent: number
  readonly startNs: number
  readonly sentAtMs: Float64Array | undefined
  readonly extraCorrupted: number
  readonly extraForeign: number
  readonly recvBufferBytes: number | null
  /** Datagrams the counting side's kernel dropped at its socket; null when unread. */
  readonly receiverDrops: number | null
  /** Echoes that could not be sent back. */
  readonly senderDrops: number
  readonly tcp: SenderOutcome['half']['tcp']
  /** What the sender's transport said it put on the wire (KCP's own count); null when unknown. */
  readonly wire: SenderOutcome['half']['wire']
  readonly error: string | null
  readonly clock: ClockSync
  readonly seed: number
}

function sumDrops(a: number | null | undefined, b: number | null | undefined): number | null {
  if ((a ?? null) === null && (b ?? null) === null) return null
  return (a ?? 0) + (b ?? 0)
}

function buildRun(request: SessionRequest, direction: FlowDirection, parts: RunParts): BuiltRun {
  const metrics = labMetricsFromSummary(parts.summary, parts.sent)
  const acrossHosts = !parts.clock.shared && request.mode === 'oneway'
  const run: LabRun = {
    transport: request.transport,
    mode: request.mode,
    ...withLostBy(
      metrics,
      attributeLoss(metrics.lost, {
        receiverBuffer: parts.receiverDrops ?? undefined,
        sender: parts.senderDrops,
      }),
    ),
    corrupted: metrics.corrupted + parts.extraCorrupted,
    foreign: metrics.foreign + parts.extraForeign,
    impairment: null,
    seed: parts.seed,
    link: 'remote',
    direction,
    ...(!labTransport(request.transport).semantics.reliable &&
    request.rate === 0 &&
    parts.recvBufferBytes !== null
      ? { recvBufferBytes: parts.recvBufferBytes }
      : {}),
    ...(parts.wire == null ? {} : wireFields(parts.wire, parts.sent, request.size)),
    ...(parts.tcp === null
      ? {}
      : {
          ...(parts.tcp.bytesSent === undefined
            ? {}
            : wireFields({ wireBytes: parts.tcp.bytesSent }, parts.sent, request.size)),
          retransmits: parts.tcp.retransmits,
          rttMs: parts.tcp.rttMs,
          cwnd: parts.tcp.cwnd,
        }),
    ...(acrossHosts
      ? {
          modelled: `one-way latency across hosts is estimated: the two clocks' offset was measured over the control channel, to within ±${parts.clock.uncertaintyMs.toFixed(3)} ms`,
        }
      : {}),
    ...(parts.error === null ? {} : { interrupted: `sending stopped early: ${parts.error}` }),
  }
  const trace =
    request.trace && parts.sentAtMs !== undefined
      ? buildTrace(
          request.transport,
          parts.sentAtMs,
          parts.sent,
          parts.startNs,
          decodeMessageRecords(parts.summary),
          parts.summary.originNs,
        )
      : undefined
  return { run, trace, summary: parts.summary, sent: parts.sent, tcp: parts.tcp }
}
