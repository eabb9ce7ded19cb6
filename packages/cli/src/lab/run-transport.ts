import { setTimeout as sleep } from 'node:timers/promises'
import {
  AbortError,
  type DatagramImpairment,
  decodeMessageRecords,
  ENVELOPE_FLAG_ECHO,
  isProtolabError,
  labMetricsFromSummary,
  MODELLED_LOSS_NOTE,
  monotonicMs,
  PeerResetError,
  type ReceiverSummary,
  randomSessionId,
  type SocketAddress,
  type StreamImpairment,
} from '@protolab/core'
import { type LabHost, startLabHost } from './child/host.js'
import { drain, quietTimeMs } from './drain.js'
import type { LabPlan } from './options.js'
import { impairmentFor } from './options.js'
import type { CounterStatus } from './roles/counter.js'
import { MessageCounter } from './roles/counter.js'
import { type LabEndpoint, openLabEndpoint } from './roles/endpoints.js'
import type { RelayReport } from './roles/relay.js'
import { type SendResult, sendMessages } from './sender.js'
import { buildTrace } from './trace.js'
import type { LabProgress, LabRun, LabTrace, LabTransportName } from './types.js'

/** What a run reports back to whoever started it. */
export interface RunContext {
  readonly signal?: AbortSignal | undefined
  readonly onProgress?: ((progress: LabProgress) => void) | undefined
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
/**
 * UDP socket buffers of the receiver and relay outside blast mode (Linux caps the request at
 * net.core.rmem_max): deep enough that a scheduling hiccup on a busy machine drops nothing, so
 * the loss a run shows is the relay's.
 */
export const LAB_SOCKET_BUFFER_BYTES = 4 * 1024 * 1024
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
  const blast = transport === 'udp' && impairment === undefined && plan.rate === 0
  const hosts: LabHost[] = []
  let sender: LabEndpoint | undefined
  let echoes: MessageCounter | undefined
  // Stops the send loop when a child dies or the caller aborts.
  const stop = new AbortController()
  const onAbort = (): void => stop.abort()
  signal.addEventListener('abort', onAbort)
  try {
    const receiverHost = await startLabHost('receiver', plan.inProcess)
    hosts.push(receiverHost)
    const watch = <T>(promise: Promise<T>): Promise<T> =>
      Promise.race([promise, ...hosts.map((host) => host.died)])
    const receiverAddress = await watch(
      receiverHost.call('startReceiver', {
        transport,
        host: plan.host,
        session,
        expectedMessages: plan.count,
        payloadBytes: plan.size,
        echo: rtt,
        recvBufferBytes:
          transport === 'udp'
            ? (plan.recvBufferBytes ?? (blast ? undefined : LAB_SOCKET_BUFFER_BYTES))
            : undefined,
      }),
    )
    let target: SocketAddress = receiverAddress
    let relayHost: LabHost | undefined
    if (impairment !== undefined) {
      relayHost = await startLabHost('relay', plan.inProcess)
      hosts.push(relayHost)
      target = await watch(
        relayHost.call('startRelay', {
          transport,
          host: plan.host,
          socketBufferBytes: LAB_SOCKET_BUFFER_BYTES,
          target: receiverAddress,
          impairment,
          seed,
        }),
      )
    }
    await context.onListening?.({
      transport,
      receiver: receiverAddress,
      receiverPid: receiverHost.pid,
      relay: relayHost === undefined ? undefined : target,
      relayPid: relayHost?.pid,
    })
    for (const host of hosts) host.died.catch(() => stop.abort())

    sender = await openLabEndpoint(transport, {
      ...(transport === 'udp' ? { bind: { host: plan.host, port: 0 } } : {}),
      peer: { address: target.address, port: target.port },
      payloadBytes: plan.size,
      // In round-trip mode the sender receives too: echoes should not drop in its socket either.
      recvBufferBytes: transport === 'udp' && rtt && !blast ? LAB_SOCKET_BUFFER_BYTES : undefined,
    })
    if (rtt) echoes = new MessageCounter(sender, { session, expectedMessages: plan.count, echo: false })

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
    const result: SendResult = await sendMessages(sender, {
      session,
      count: plan.count,
      size: plan.size,
      rate: plan.rate,
      durationMs: plan.durationMs,
      flags: rtt ? ENVELOPE_FLAG_ECHO : 0,
      sentAtMs,
      signal: stop.signal,
      onProgress: (sent, elapsedMs) => progress('sending', sent, elapsedMs),
    })
    await throwIfDied(hosts, result)
    signal.throwIfAborted()
    const interrupted = interruption(transport, impairment, result)

    const status = (): Promise<CounterStatus> =>
      echoes !== undefined ? Promise.resolve(echoes.status()) : watch(receiverHost.call('receiverStatus'))
    await drain(
      status,
      {
        sent: result.sent,
        quietMs: quietTimeMs(transport, impairment, plan.size, plan.mode),
        settleMs:
          ((impairment as DatagramImpairment | undefined)?.duplicate ?? 0) > 0 ? DUPLICATE_SETTLE_MS : 0,
        signal,
      },
      () => progress('draining', result.sent, monotonicMs() - result.startNs / 1e6),
    )

    const outcome = await watch(receiverHost.call('finishReceiver', plan.trace && !rtt))
    const relay = relayHost === undefined ? undefined : await watch(relayHost.call('stopRelay'))
    let summary: ReceiverSummary = outcome.summary
    let extraCorrupted = 0
    let extraForeign = 0
    if (rtt && echoes !== undefined && sender !== undefined) {
      await sender.close()
      await echoes.done
      // The receiver's own tally of damaged or foreign messages it did not echo.
      extraCorrupted = outcome.summary.corrupted
      extraForeign = outcome.summary.foreign
      summary = echoes.summary(plan.trace)
    }
    const metrics = labMetricsFromSummary(summary, result.sent)
    const streamLoss = transport === 'tcp' && ((impairment as StreamImpairment | undefined)?.loss ?? 0) > 0
    const run: LabRun = {
      transport,
      mode: plan.mode,
      ...metrics,
      corrupted: metrics.corrupted + extraCorrupted,
      foreign: metrics.foreign + extraForeign,
      impairment: impairment ?? null,
      seed,
      ...(blast && outcome.recvBufferBytes !== undefined ? { recvBufferBytes: outcome.recvBufferBytes } : {}),
      ...(streamLoss ? { modelled: MODELLED_LOSS_NOTE } : {}),
      ...(interrupted === undefined ? {} : { interrupted }),
    }
    progress('done', result.sent, monotonicMs() - result.startNs / 1e6)
    const trace =
      sentAtMs === undefined
        ? undefined
        : buildTrace(
            transport,
            sentAtMs,
            result.sent,
            result.startNs,
            decodeMessageRecords(summary),
            summary.originNs,
          )
    return { run, trace, relay }
  } catch (error) {
    if (signal.aborted) throw new AbortError()
    throw error
  } finally {
    signal.removeEventListener('abort', onAbort)
    await sender?.close().catch(() => {})
    await Promise.allSettled(hosts.reverse().map((host) => host.close()))
  }
}

/**
 * After the send loop: when a child died, that is the story (not the send error it caused), and
 * the run ends with it. A send error gets a moment for the child's exit to be seen.
 */
async function throwIfDied(hosts: readonly LabHost[], result: SendResult): Promise<void> {
  const deaths = Promise.race(hosts.map((host) => host.died))
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
  if (transport === 'tcp' && resets && cutOff) {
    return `the relay reset the connection after ${result.sent.toLocaleString('en-US')} messages were sent; TCP delivers only while its connection lives, so what was in flight is lost`
  }
  throw result.error
}
