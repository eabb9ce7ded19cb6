import type { LabInterval, SocketAddress } from '@protolab/core'
import { Relay, type RelayConfig, type RelayReport } from '../../links/relay/relay.js'
import { FlowReceiver, type FlowReceiverConfig, type FlowReceiverOutcome } from '../flows/flow-receiver.js'
import type { CounterStatus } from './counter.js'
import { Receiver, type ReceiverConfig, type ReceiverOutcome } from './receiver.js'

/**
 * What a lab host (a child process, or this process with `inProcess`) can do, as methods the
 * runner calls by name over IPC: run one receiver and/or one relay at a time. Arguments and results
 * are plain data, so they cross a process boundary unchanged.
 */
export class LabRoles {
  private receiver: Receiver | undefined
  private relay: Relay | undefined
  private flowReceiver: FlowReceiver | undefined

  /** Starts the receiver; resolves to the address it listens on. */
  async startReceiver(config: ReceiverConfig): Promise<SocketAddress> {
    await this.receiver?.close()
    this.receiver = await Receiver.start(config)
    return this.receiver.address
  }

  /** The receiver's progress. */
  receiverStatus(): CounterStatus {
    return this.requireReceiver().status()
  }

  /** Starts the receiver's intervals (see MessageCounter.startIntervals). */
  startIntervals(originNs: number, intervalMs: number): void {
    this.requireReceiver().startIntervals(originNs, intervalMs)
  }

  /** The receiver's intervals closed by `nowNs`; with `final`, up to its last arrival. */
  takeIntervals(nowNs: number, final: boolean): LabInterval[] {
    return this.requireReceiver().takeIntervals(nowNs, final)
  }

  /** Stops the receiver and hands back what it measured. */
  async finishReceiver(messages: boolean): Promise<ReceiverOutcome> {
    const receiver = this.requireReceiver()
    this.receiver = undefined
    return receiver.finish(messages)
  }

  /** Starts the receiver of a run of several flows; resolves to the address it listens on. */
  async startFlowReceiver(config: FlowReceiverConfig): Promise<SocketAddress> {
    await this.flowReceiver?.close()
    this.flowReceiver = await FlowReceiver.start(config)
    return this.flowReceiver.address
  }

  /** Each flow's progress, in the order of its sessions. */
  flowReceiverStatus(): CounterStatus[] {
    if (this.flowReceiver === undefined) throw new Error('no flow receiver is running')
    return this.flowReceiver.status()
  }

  /** Stops the flow receiver and hands back what each flow's counter measured. */
  async finishFlowReceiver(messages: boolean): Promise<FlowReceiverOutcome> {
    const receiver = this.flowReceiver
    if (receiver === undefined) throw new Error('no flow receiver is running')
    this.flowReceiver = undefined
    return receiver.finish(messages)
  }

  /** Starts the impairment relay; resolves to the address it listens on. */
  async startRelay(config: RelayConfig): Promise<SocketAddress> {
    await this.relay?.close()
    this.relay = await Relay.start(config)
    return this.relay.address
  }

  /** How much the relay has moved so far (see {@link Relay.moved}). */
  relayMoved(): number {
    if (this.relay === undefined) throw new Error('no relay is running')
    return this.relay.moved()
  }

  /** Stops the relay and hands back what it did. */
  async stopRelay(): Promise<RelayReport> {
    const relay = this.relay
    if (relay === undefined) throw new Error('no relay is running')
    this.relay = undefined
    return relay.stop()
  }

  /** Closes whatever runs. Idempotent. */
  async closeAll(): Promise<void> {
    const receiver = this.receiver
    const relay = this.relay
    const flowReceiver = this.flowReceiver
    this.receiver = undefined
    this.relay = undefined
    this.flowReceiver = undefined
    await Promise.allSettled([receiver?.close(), relay?.close(), flowReceiver?.close()])
  }

  private requireReceiver(): Receiver {
    if (this.receiver === undefined) throw new Error('no receiver is running')
    return this.receiver
  }
}
