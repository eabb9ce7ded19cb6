import {
  AbortError,
  type DatagramImpairment,
  decodeMessageRecords,
  ENVELOPE_FLAG_ECHO,
  type FlowPlan,
  type FlowSpec,
  InvalidArgumentError,
  messagesPerSecond,
  planTransports,
  randomSeed,
  randomSessionId,
  type SocketAddress,
  type StreamImpairment,
} from '@protolab/core'
import { chooseLink } from '../../links/choose-link.js'
import { readTcpInfo, type TcpConnectionInfo } from '../../links/kernel/tcp-info.js'
import type { PacketLinkCounts } from '../../links/packet/counts.js'
import { runPacketFlows } from '../../links/packet/flows.js'
import { Relay, type RelayReport } from '../../links/relay/relay.js'
import { type LabHost, startLabHost } from '../child/host.js'
import { quietTimeMs } from '../drain.js'
import type { LabFlowsRun } from '../flow-types.js'
import { type FlowMeasurement, flowsRun, RELAY_LINK_SHARING } from '../flows-result.js'
import { impairmentFor, type LabOptions, type LabPlan, resolveLabOptions } from '../options.js'
import { type CounterStatus, MessageCounter } from '../roles/counter.js'
import { type LabEndpoint, openLabEndpoint } from '../roles/endpoints.js'
import { LAB_SOCKET_BUFFER_BYTES } from '../run-hosts.js'
import { type SendResult, sendMessages } from '../sender.js'
import { buildTrace } from '../trace.js'
import type { LabTrace, LabTransportName } from '../types.js'
import { drainFlows } from './drain-flow.js'
import type { FlowReceiverOutcome } from './flow-receiver.js'

/**
 * What {@link runFlows} runs: the lab's options for the workload of every flow (`count`, `size`,
 * `durationMs`, `mode`, `impairment`, `seed`, `host`, `recvBufferBytes`), and the flows. Each flow
 * is paced by its own `rate` in the plan; the lab's `rate` has no meaning here (the plan carries it).
 */
export interface RunFlowsOptions extends Omit<LabOptions, 'transports' | 'rate'> {
  readonly plan: FlowPlan<LabTransportName>
}

/** Per-call options of {@link runFlows}. */
export interface RunFlowsContext {
  /** Stops the run: everything started is closed and runFlows rejects with AbortError. */
  readonly signal?: AbortSignal
  /** Called with each flow's messages sent so far, about every 100 ms while sending (on the relay link). */
  readonly onProgress?: (flowId: number, sent: number, elapsedMs: number) => void
  /** Told once the packet link is up, in one line. */
  readonly onLink?: (description: string) => void
}

/** A run of flows' numbers, and what each transport's relay did (absent without impairment). */
export interface FlowsOutcome {
  readonly run: LabFlowsRun
  readonly relays: Partial<Record<LabTransportName, RelayReport>>
  /** On the packet link: what the link did to every flow's frames. */
  readonly packetLink?: PacketLinkCounts
  /** Lines for under the table: which link ran and why, what the link did, what the flows shared. */
  readonly notes: readonly string[]
  /** With `trace`: each flow's per-message data, in the order of `run.flows` (for `--report`). */
  readonly traces?: readonly LabTrace[]
  /** With `capture` (the packet link's only): the pcap file written. */
  readonly captures?: readonly string[]
}

/** After all is delivered, how long to wait for trailing duplicates when the relay duplicates. */
const DUPLICATE_SETTLE_MS = 50

/** How long a run waits with nothing arriving while a flow that cannot lose still misses messages. */
const IN_FLIGHT_QUIET_MS = 3000

/** True when nothing on a flow's way can drop a message: TCP, or UDP through no loss, corruption or rate limit. */
function lossless(
  transport: LabTransportName,
  impairment: DatagramImpairment | StreamImpairment | undefined,
): boolean {
  if (transport === 'tcp') return true
  const datagram = impairment as DatagramImpairment | undefined
  return (
    (datagram?.loss ?? 0) === 0 &&
    (datagram?.corrupt ?? 0) === 0 &&
    (datagram?.rateLimitBytesPerSec ?? 0) === 0
  )
}

/** True when the relay may duplicate a flow's messages (so trailing copies are waited for). */
function duplicates(
  transport: LabTransportName,
  impairment: DatagramImpairment | StreamImpairment | undefined,
): boolean {
  return transport === 'udp' && ((impairment as DatagramImpairment | undefined)?.duplicate ?? 0) > 0
}

/** One transport's end of the run: the receiver every flow of it sends to, and the relay in front. */
interface TransportEnd {
  /** Where the transport's flow receiver runs: a child process, or this one with `inProcess`. */
  readonly receiver: LabHost
  readonly receiverAddress: SocketAddress
  readonly relay: Relay | undefined
  readonly impairment: DatagramImpairment | StreamImpairment | undefined
}

/** One flow while it runs. */
interface RunningFlow {
  readonly spec: FlowSpec<LabTransportName>
  readonly session: number
  readonly end: TransportEnd
  /** Its place among its transport's receiver's sessions. */
  readonly index: number
  sender?: LabEndpoint
  echoes?: MessageCounter
}

/**
 * Runs several flows at once between the same two ends, each with its own session id, sequence
 * space and metrics, and returns each flow's numbers, their aggregate and their fairness. The
 * link is the options' `link` (`proxy` by default): `packet` or `auto` where it can run hands the
 * flows to the packet link ({@link runPacketFlows}), where every flow crosses one bottleneck.
 *
 * On the relay link, per transport of the plan there is one receiver socket (UDP) or listener (TCP) on one port,
 * split by session into one lab counter per flow, in a child process of its own (as the
 * one-flow lab's receiver, so the senders cannot starve it; in this process with `inProcess`),
 * and, when there is an impairment, one relay in front of it (in this process) that carries every
 * flow of that transport. Each flow's sender is the lab's own send
 * loop on a socket (UDP) or connection (TCP) of its own, paced by its own rate; all send at once.
 *
 * **What is shared on the relay link, and what is modelled:** the flows of a transport share the
 * relay's process, its listening socket and the receiver's socket (and its buffer). The relay
 * keeps impairment decisions and the rate limit per client, so each flow is impaired and
 * rate-limited on its own: there is no shared queue, and fairness here shows how the two hosts
 * schedule the flows, not congestion control. A shared bottleneck is the packet link's.
 * Impairment decisions follow the seed per flow in the order the relay first heard each flow,
 * which concurrent flows do not fix, so a seed repeats each flow's decisions only as a set.
 *
 * @throws InvalidArgumentError for options out of range
 * @throws LabError where the packet link was asked for and cannot run
 * @throws AbortError when `signal` aborts
 */
export async function runFlows(
  options: RunFlowsOptions,
  context: RunFlowsContext = {},
): Promise<FlowsOutcome> {
  const { plan: flowPlan, ...workload } = options
  if (flowPlan.flows.length === 0) throw new InvalidArgumentError('a run of flows needs at least one flow')
  const transports = planTransports(flowPlan)
  const chosen = chooseLink({ ...workload, transports })
  const plan = resolveLabOptions({ ...workload, transports, link: chosen.link })
  const seed = options.seed ?? randomSeed()
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new InvalidArgumentError(`seed must be a non-negative whole number, got ${String(seed)}`)
  }
  const signal = context.signal ?? new AbortController().signal
  signal.throwIfAborted()
  if (chosen.link === 'packet') {
    const packet = await runPacketFlows(plan, flowPlan, seed, {
      signal,
      onLink: context.onLink,
    })
    return {
      run: packet.run,
      relays: {},
      packetLink: packet.counts,
      notes: packet.notes,
      captures: packet.captures,
      ...(plan.trace ? { traces: packet.traces } : {}),
    }
  }
  // The relay link's flow receivers count each flow whole, and nothing records them: refused, not
  // silently missing.
  const packetOnly =
    plan.intervalMs !== undefined ? 'intervals' : plan.capture !== undefined ? 'a capture' : undefined
  if (packetOnly !== undefined) {
    const why = chosen.note?.match(/\(link auto: (.*)\)$/)?.[1]
    throw new InvalidArgumentError(
      `${packetOnly} of a run of flows ${packetOnly === 'intervals' ? 'are' : 'is'} the packet link's only, and ${why === undefined ? 'this run takes the proxy link' : `link auto took the proxy link: ${why}`}`,
    )
  }
  const notes = chosen.note === undefined ? [] : [chosen.note]
  const sessions = distinctSessions(flowPlan.flows.length)
  const ends = new Map<LabTransportName, TransportEnd>()
  const flows: RunningFlow[] = []
  try {
    for (const transport of transports) {
      const mine = flowPlan.flows.filter((flow) => flow.transport === transport)
      const mySessions = mine.map((flow) => sessions[flowPlan.flows.indexOf(flow)]!)
      const end = await startEnd(plan, transport, mySessions, seed)
      ends.set(transport, end)
      // A receiver that dies stops the run: its calls reject with the death.
      end.receiver.died.catch(() => {})
      mine.forEach((spec, index) => {
        flows.push({ spec, session: mySessions[index]!, end, index })
      })
    }
    flows.sort((a, b) => a.spec.id - b.spec.id)
    const rtt = plan.mode === 'rtt'
    for (const flow of flows) {
      const transport = flow.spec.transport
      const target = flow.end.relay?.address ?? flow.end.receiverAddress
      flow.sender = await openLabEndpoint(transport, {
        ...(transport === 'udp' ? { bind: { host: plan.host, port: 0 } } : {}),
        peer: { address: target.address, port: target.port },
        payloadBytes: plan.size,
        recvBufferBytes: transport === 'udp' && rtt ? LAB_SOCKET_BUFFER_BYTES : undefined,
      })
      if (rtt) {
        flow.echoes = new MessageCounter(flow.sender, {
          session: flow.session,
          expectedMessages: plan.count,
          echo: false,
        })
      }
    }

    const sentAtMs = flows.map(() => (plan.trace ? new Float64Array(plan.count) : undefined))
    const results = await Promise.all(
      flows.map((flow, i) => sendFlow(flow, plan, sentAtMs[i], signal, context)),
    )
    signal.throwIfAborted()
    const failed = results.find((result) => result.error !== undefined)
    if (failed !== undefined) throw failed.error

    await drainFlows(
      async () => {
        const statuses = new Map<TransportEnd, CounterStatus[]>()
        for (const end of ends.values()) statuses.set(end, await end.receiver.call('flowReceiverStatus'))
        return flows.map((flow) => flow.echoes?.status() ?? statuses.get(flow.end)![flow.index]!)
      },
      {
        sent: results.map((result) => result.sent),
        quietMs: Math.max(
          ...flows.map((flow) => quietTimeMs(flow.spec.transport, flow.end.impairment, plan.size, plan.mode)),
        ),
        inFlightQuietMs: IN_FLIGHT_QUIET_MS,
        lossless: flows.map((flow) => lossless(flow.spec.transport, flow.end.impairment)),
        settleMs: flows.some((flow) => duplicates(flow.spec.transport, flow.end.impairment))
          ? DUPLICATE_SETTLE_MS
          : 0,
        signal,
      },
    )

    // Each TCP flow's own connection as the kernel sees it, read while it is still open.
    const tcpInfo = await Promise.all(flows.map((flow) => readFlowTcpInfo(flow)))
    const outcomes = new Map<LabTransportName, FlowReceiverOutcome>()
    const relays: Partial<Record<LabTransportName, RelayReport>> = {}
    for (const [transport, end] of ends) {
      outcomes.set(transport, await end.receiver.call('finishFlowReceiver', plan.trace))
      if (end.relay !== undefined) relays[transport] = await end.relay.stop()
    }
    const measurements: FlowMeasurement[] = []
    const traces: LabTrace[] = []
    for (const [i, flow] of flows.entries()) {
      let summary = outcomes.get(flow.spec.transport)!.summaries[flow.index]!
      if (flow.echoes !== undefined) {
        // In round-trip mode the sender counted the echoes.
        await flow.sender?.close()
        await flow.echoes.done
        summary = flow.echoes.summary(plan.trace)
      }
      const sent = sentAtMs[i]
      if (sent !== undefined) {
        const result = results[i]!
        traces.push(
          buildTrace(
            flow.spec.transport,
            sent,
            result.sent,
            result.startNs,
            decodeMessageRecords(summary),
            summary.originNs,
          ),
        )
      }
      const info = tcpInfo[i]
      measurements.push({
        spec: flow.spec,
        sent: results[i]!.sent,
        summary,
        ...(info === undefined
          ? {}
          : { tcp: { retransmits: info.retransmits, rttMs: info.rttMs, cwnd: info.cwnd } }),
      })
    }
    let unclaimedForeign = 0
    let unclaimedCorrupted = 0
    for (const outcome of outcomes.values()) {
      unclaimedForeign += outcome.unclaimed.foreign
      unclaimedCorrupted += outcome.unclaimed.corrupted
    }
    const impairment: LabFlowsRun['impairment'] = Object.fromEntries(
      [...ends]
        .filter(([, end]) => end.impairment !== undefined)
        .map(([transport, end]) => [transport, end.impairment]),
    )
    const run = flowsRun(measurements, {
      mode: plan.mode,
      impairment: Object.keys(impairment ?? {}).length === 0 ? null : impairment,
      seed,
      link: 'proxy',
      sharing: RELAY_LINK_SHARING,
      unclaimedForeign,
      unclaimedCorrupted,
    })
    return { run, relays, notes: [...notes, run.sharing.note], ...(plan.trace ? { traces } : {}) }
  } catch (error) {
    if (signal.aborted) throw new AbortError()
    throw error
  } finally {
    await Promise.allSettled(flows.map((flow) => flow.sender?.close()))
    await Promise.allSettled([...ends.values()].flatMap((end) => [end.relay?.close(), end.receiver.close()]))
  }
}

/** Starts a transport's receiver for `sessions`, and the relay in front of it when impaired. */
async function startEnd(
  plan: LabPlan,
  transport: LabTransportName,
  sessions: readonly number[],
  seed: number,
): Promise<TransportEnd> {
  const impairment = impairmentFor(transport, plan.impairment)
  const receiver = await startLabHost('receiver', plan.inProcess)
  let receiverAddress: SocketAddress
  try {
    receiverAddress = await receiver.call('startFlowReceiver', {
      transport,
      host: plan.host,
      sessions,
      expectedMessages: plan.count,
      payloadBytes: plan.size,
      echo: plan.mode === 'rtt',
      // The flows share one socket: a deep buffer, so what a run loses is the relay's, unless asked otherwise.
      recvBufferBytes: transport === 'udp' ? (plan.recvBufferBytes ?? LAB_SOCKET_BUFFER_BYTES) : undefined,
    })
  } catch (error) {
    await receiver.close()
    throw error
  }
  if (impairment === undefined) return { receiver, receiverAddress, relay: undefined, impairment }
  try {
    const relay = await Relay.start({
      transport,
      host: plan.host,
      socketBufferBytes: LAB_SOCKET_BUFFER_BYTES,
      target: receiverAddress,
      impairment,
      seed,
    })
    return { receiver, receiverAddress, relay, impairment }
  } catch (error) {
    await receiver.close()
    throw error
  }
}

/** One flow's send loop: the lab's own, at the flow's own pace. */
function sendFlow(
  flow: RunningFlow,
  plan: LabPlan,
  sentAtMs: Float64Array | undefined,
  signal: AbortSignal,
  context: RunFlowsContext,
): Promise<SendResult> {
  return sendMessages(flow.sender!, {
    session: flow.session,
    count: plan.count,
    size: plan.size,
    rate: messagesPerSecond(flow.spec.rate, plan.size),
    durationMs: plan.durationMs,
    flags: plan.mode === 'rtt' ? ENVELOPE_FLAG_ECHO : 0,
    sentAtMs,
    signal,
    onProgress: (sent, elapsedMs) => context.onProgress?.(flow.spec.id, sent, elapsedMs),
  })
}

/**
 * The kernel's numbers of a TCP flow's sender connection (`ss -ti`); undefined for UDP, or when
 * ss cannot tell. On the relay link that connection ends at the relay, so they describe the hop
 * from the sender to the relay: real kernel TCP on loopback, not the relay's modelled impairment.
 */
async function readFlowTcpInfo(flow: RunningFlow): Promise<TcpConnectionInfo | undefined> {
  const local = flow.sender?.localAddress
  const remote = flow.sender?.remoteAddress
  if (flow.spec.transport !== 'tcp' || local === undefined || remote === undefined) return undefined
  return readTcpInfo(local, remote)
}

/** `n` distinct random session ids, so no flow can count another's messages as its own. */
function distinctSessions(n: number): number[] {
  const sessions = new Set<number>()
  while (sessions.size < n) sessions.add(randomSessionId())
  return [...sessions]
}
