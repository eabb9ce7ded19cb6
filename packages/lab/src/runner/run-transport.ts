import { setTimeout as sleep } from 'node:timers/promises'
import {
  AbortError,
  type DatagramImpairment,
  decodeMessageRecords,
  ENVELOPE_FLAG_ECHO,
  isProtolabError,
  type LabInterval,
  labMetricsFromSummary,
  MODELLED_LOSS_NOTE,
  monotonicMs,
  nowNs,
  PeerResetError,
  randomSessionId,
  type SocketAddress,
  type StreamImpairment,
} from '@protolab/core'
import { receiveDrops } from '../counters/receive-drops.js'
import type { RelayReport } from '../links/relay/relay.js'
import { labTransport } from '../transports/registry.js'
import { drain, quietTimeMs } from './drain.js'
import { type IntervalListener, IntervalReporter, SentTally } from './intervals.js'
import { proxyLinkLostBy, withLostBy } from './lost-by.js'
import type { LabPlan } from './options.js'
import { impairmentFor } from './options.js'
import { MessageCounter } from './roles/counter.js'
import { type LabEndpoint, openLabEndpoint } from './roles/endpoints.js'
import { LAB_SOCKET_BUFFER_BYTES, type RunHosts, startRunHosts } from './run-hosts.js'
import { type SendResult, sendMessages } from './sender.js'
import { buildTrace } from './trace.js'
import type { LabProgress, LabRun, LabTrace, LabTransportName } from './types.js'
import { wireFields } from './wire-fields.js'

/** What a run reports back to whoever started it. */
export interface RunContext {
  readonly signal?: AbortSignal | undefined
  readonly onProgress?: ((progress: LabProgress) => void) | undefined
  /** With `intervalMs`: called with each interval of a run while it goes. */
  readonly onInterval?: IntervalListener | undefined
  /** Called (and awaited) once a run's receiver and relay listen, before anything is sent. */
  readonly onListening?: ((listening: LabListening) => void | Promise<void>) | undefined
}

/** Where a run's receiver and relay listen, and their processes. */
export interface LabListening {
  readonly transport: LabTransportName
  readonly receiver: SocketAddress
  /** Undefined in-process. */
  readonly receiverPid: number | undefined
  /** Undefined when no impairment was asked for. */
  readonly relay: SocketAddress | undefined
  readonly relayPid: number | undefined
}

/** One run's numbers, its per-message trace when the plan asked for one, and the relay's counts. */
export interface TransportOutcome {
  readonly run: LabRun
  readonly trace: LabTrace | undefined
  readonly relay: RelayReport | undefined
}

/** How long to wait, after a send failed, for a dying child's exit to be seen (so its death is what is reported). */
const DEATH_GRACE_MS = 500
/** After all is delivered, how long to wait for trailing duplicates when the relay duplicates. */
const DUPLICATE_SETTLE_MS = 50

/**
 * Runs the lab over one transport: starts the receiver (in a child process unless `inProcess`),
 * the relay when there is an impairment, sends the workload, waits for the receiver to go quiet,
 * and collects the results. Everything it started is closed before it returns or throws.
 *
 * @throws PeerResetError when the receiver or relay process dies mid-run
 * @throws AbortError when `signal` aborts
 */
export async function runTransport(
  plan: LabPlan,
  transport: LabTransportName,
  seed: number,
  context: RunContext,
): Promise<TransportOutcome> {
  const signal = context.signal ?? new AbortController().signal
  signal.throwIfAborted()
  const impairment = impairmentFor(transport, plan.impairment)
  const session = randomSessionId()
  const rtt = plan.mode === 'rtt'
  // Blast mode shows the kernel's receive buffer overflowing: the OS default buffer, unless asked.
  const descriptor = labTransport(transport)
  const datagrams = descriptor.impairment === 'datagram'
  // Only datagrams nothing recovers overflow a receive buffer for good.
  const blast = datagrams && !descriptor.semantics.reliable && impairment === undefined && plan.rate === 0
  let hosts: RunHosts | undefined
  let sender: LabEndpoint | undefined
  let intervals: RunIntervals | undefined
  // Stops the send loop when a child dies or the caller aborts.
  const stop = new AbortController()
  const onAbort = (): void => stop.abort()
  signal.addEventListener('abort', onAbort)
  try {
    hosts = await startRunHosts({ plan, transport, session, seed, impairment, blast })
    const { receiver, relay, watch } = hosts
    await context.onListening?.({
      transport,
      receiver: hosts.receiverAddress,
      receiverPid: receiver.pid,
      relay: relay === undefined ? undefined : hosts.target,
      relayPid: relay?.pid,
    })
    hosts.died.catch(() => stop.abort())

    sender = await openLabEndpoint(transport, {
      ...(descriptor.semantics.connectionOriented ? {} : { bind: { host: plan.host, port: 0 } }),
      peer: { address: hosts.target.address, port: hosts.target.port },
      payloadBytes: plan.size,
      // In round-trip mode the sender receives too: echoes should not drop in its socket either.
      recvBufferBytes: datagrams && rtt && !blast ? LAB_SOCKET_BUFFER_BYTES : undefined,
    })
    const echoes = rtt
      ? new MessageCounter(sender, { session, expectedMessages: plan.count, echo: false })
      : undefined

    const sentAtMs = plan.trace ? new Float64Array(plan.count) : undefined
    const progress = (phase: LabProgress['phase'], sent: number, elapsedMs: number): void =>
      context.onProgress?.({
        transport,
        sent,
        total: plan.count,
        elapsedMs,
        durationMs: plan.durationMs,
        phase,
      })
    intervals = await startIntervals(plan, transport, context, (originNs, intervalMs) => {
      if (echoes !== undefined) {
        echoes.startIntervals(originNs, intervalMs)
        return (nowNs, final) => Promise.resolve(echoes.takeIntervals(nowNs, final))
      }
      return startReceiverIntervals(receiver, originNs, intervalMs, watch)
    })
    const result = await sendMessages(sender, {
      session,
      count: plan.count,
      size: plan.size,
      rate: plan.rate,
      durationMs: plan.durationMs,
      flags: rtt ? ENVELOPE_FLAG_ECHO : 0,
      sentAtMs,
      signal: stop.signal,
      tally: intervals?.tally,
      onProgress: (sent, elapsedMs) => progress('sending', sent, elapsedMs),
    })
    intervals?.reporter.stop()
    const elapsedMs = (): number => monotonicMs() - result.startNs / 1e6
    await throwIfDied(hosts.died, result)
    signal.throwIfAborted()
    const interrupted = interruption(transport, impairment, result)

    const duplicates = datagrams && ((impairment as DatagramImpairment | undefined)?.duplicate ?? 0) > 0
    await drain(
      () =>
        echoes !== undefined ? Promise.resolve(echoes.status()) : watch(receiver.call('receiverStatus')),
      {
        sent: result.sent,
        quietMs: quietTimeMs(transport, impairment, plan.size, plan.mode),
        settleMs: duplicates ? DUPLICATE_SETTLE_MS : 0,
        signal,
        relayMoved: relay === undefined ? undefined : () => watch(relay.call('relayMoved')),
      },
      () => progress('draining', result.sent, elapsedMs()),
    )

    // Read while the sender is open: its counts go with its sessions.
    const wire = wireFields(descriptor.wireCounts(sender, result.sent, plan.size), result.sent, plan.size)
    const reporter = intervals?.reporter
    await reporter?.takeLast()
    const outcome = await watch(receiver.call('finishReceiver', plan.trace && !rtt))
    const relayReport = relay === undefined ? undefined : await watch(relay.call('stopRelay'))
    let summary = outcome.summary
    let echoDrops: number | undefined
    if (echoes !== undefined) {
      echoDrops = receiveDrops(sender)
      // The sender counted the echoes; the receiver's own summary adds what it refused to echo.
      await sender.close()
      await echoes.done
      summary = echoes.summary(plan.trace)
    }
    const metrics = labMetricsFromSummary(summary, result.sent)
    const streamLoss = !datagrams && ((impairment as StreamImpairment | undefined)?.loss ?? 0) > 0
    const run: LabRun = {
      transport,
      mode: plan.mode,
      ...withLostBy(
        metrics,
        proxyLinkLostBy(metrics.lost, {
          relay: relayReport,
          receiverBuffer: sumDefined(outcome.socketDrops, echoDrops),
          sender: outcome.echoFailures,
        }),
      ),
      corrupted: metrics.corrupted + (echoes === undefined ? 0 : outcome.summary.corrupted),
      foreign: metrics.foreign + (echoes === undefined ? 0 : outcome.summary.foreign),
      impairment: impairment ?? null,
      seed,
      link: 'proxy',
      ...wire,
      ...(blast && outcome.recvBufferBytes !== undefined ? { recvBufferBytes: outcome.recvBufferBytes } : {}),
      ...(relayReport !== undefined && 'lostSegments' in relayReport.toServer
        ? {
            tcpRelay: {
              lostSegments: relayReport.toServer.lostSegments,
              stalls: relayReport.toServer.stalls,
            },
          }
        : {}),
      ...(streamLoss ? { modelled: MODELLED_LOSS_NOTE } : {}),
      ...(interrupted === undefined ? {} : { interrupted }),
      ...(reporter === undefined ? {} : { intervals: reporter.complete(metrics.lost) }),
    }
    progress('done', result.sent, elapsedMs())
    const records = sentAtMs === undefined ? undefined : decodeMessageRecords(summary)
    const trace =
      sentAtMs === undefined
        ? undefined
        : buildTrace(transport, sentAtMs, result.sent, result.startNs, records, summary.originNs)
    return { run, trace, relay: relayReport }
  } catch (error) {
    if (signal.aborted) throw new AbortError()
    throw error
  } finally {
    signal.removeEventListener('abort', onAbort)
    intervals?.reporter.stop()
    await sender?.close().catch(() => {})
    await hosts?.close()
  }
}

interface RunIntervals {
  readonly tally: SentTally
  readonly reporter: IntervalReporter
}

type TakeIntervals = (nowNs: number, final: boolean) => Promise<LabInterval[]>

/**
 * With `--interval`: the run's origin (now, just before the first send), its sent tally, and a
 * reporter taking intervals from the counting side that `begin` starts; undefined without.
 */
async function startIntervals(
  plan: LabPlan,
  transport: LabTransportName,
  context: RunContext,
  begin: (originNs: number, intervalMs: number) => TakeIntervals | Promise<TakeIntervals>,
): Promise<RunIntervals | undefined> {
  const intervalMs = plan.intervalMs
  if (intervalMs === undefined) return undefined
  const originNs = nowNs()
  const take = await begin(originNs, intervalMs)
  const tally = new SentTally(originNs, intervalMs)
  return { tally, reporter: new IntervalReporter(transport, tally, take, context.onInterval, intervalMs) }
}

async function startReceiverIntervals(
  receiver: RunHosts['receiver'],
  originNs: number,
  intervalMs: number,
  watch: RunHosts['watch'],
): Promise<TakeIntervals> {
  await watch(receiver.call('startIntervals', originNs, intervalMs))
  return (nowNs, final) => watch(receiver.call('takeIntervals', nowNs, final))
}

/** The sum of the counts that were read; undefined when none was. */
function sumDefined(...counts: (number | undefined)[]): number | undefined {
  const read = counts.filter((count) => count !== undefined)
  return read.length === 0 ? undefined : read.reduce((a, b) => a + b, 0)
}

/**
 * After the send loop: when a child died, that is the story (not the send error it caused), and
 * the run ends with it. A send error gets a moment for the child's exit to be seen.
 */
async function throwIfDied(deaths: Promise<never>, result: SendResult): Promise<void> {
  try {
    await Promise.race([deaths, sleep(result.error === undefined ? 0 : DEATH_GRACE_MS)])
  } catch (death) {
    const message = death instanceof Error ? death.message : String(death)
    throw new PeerResetError(`${message} after ${result.sent.toLocaleString('en-US')} messages were sent`, {
      cause: death,
    })
  }
}

/** The note of a run that a reset ended early; rethrows any other send failure. */
function interruption(
  transport: LabTransportName,
  impairment: DatagramImpairment | StreamImpairment | undefined,
  result: SendResult,
): string | undefined {
  if (result.error === undefined) return undefined
  const stream = impairment as StreamImpairment | undefined
  const resets = (stream?.resetAfterBytes ?? 0) > 0 || (stream?.resetProbability ?? 0) > 0
  // The reset reaches the sender as the reset itself, or as the closed connection it left.
  const cutOff =
    isProtolabError(result.error, 'ERR_PEER_RESET') || isProtolabError(result.error, 'ERR_CLOSED')
  if (labTransport(transport).impairment === 'stream' && resets && cutOff) {
    return `the relay reset the connection after ${result.sent.toLocaleString('en-US')} messages were sent; TCP delivers only while its connection lives, so what was in flight is lost`
  }
  throw result.error
}
