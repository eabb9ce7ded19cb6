import type { DatagramImpairment, SocketAddress, StreamImpairment } from '@protolab/core'
import { labTransport } from '../transports/registry.js'
import { type LabHost, startLabHost } from './child/host.js'
import type { LabPlan } from './options.js'
import type { LabTransportName } from './types.js'

/**
 * UDP socket buffers of the receiver and relay outside blast mode (Linux caps the request at
 * net.core.rmem_max): deep enough that a scheduling hiccup on a busy machine drops nothing, so
 * the loss a run shows is the relay's.
 */
export const LAB_SOCKET_BUFFER_BYTES = 4 * 1024 * 1024

/** What one run needs started before it sends. */
export interface RunHostsPlan {
  readonly plan: LabPlan
  readonly transport: LabTransportName
  readonly session: number
  readonly seed: number
  readonly impairment: DatagramImpairment | StreamImpairment | undefined
  /** Blast mode: the receiver keeps the OS's receive buffer (unless the plan names one). */
  readonly blast: boolean
}

/** A run's receiver and, with an impairment, its relay: each in a host of its own. */
export interface RunHosts {
  readonly receiver: LabHost
  readonly relay: LabHost | undefined
  readonly receiverAddress: SocketAddress
  /** Where the sender sends: the relay, or the receiver when there is none. */
  readonly target: SocketAddress
  /** `promise`, or the death of a host if one dies first. */
  watch<T>(promise: Promise<T>): Promise<T>
  /** Rejects when any host dies. */
  readonly died: Promise<never>
  /** Closes the relay, then the receiver. */
  close(): Promise<void>
}

/**
 * Starts the receiver, then the relay in front of it when there is an impairment. On failure,
 * whatever was started is closed before the error is thrown.
 */
export async function startRunHosts(setup: RunHostsPlan): Promise<RunHosts> {
  const { plan, transport } = setup
  const hosts: LabHost[] = []
  const watch = <T>(promise: Promise<T>): Promise<T> =>
    Promise.race([promise, ...hosts.map((host) => host.died)])
  const close = async (): Promise<void> => {
    await Promise.allSettled([...hosts].reverse().map((host) => host.close()))
  }
  try {
    const receiver = await startLabHost('receiver', plan.inProcess)
    hosts.push(receiver)
    const receiverAddress = await watch(
      receiver.call('startReceiver', {
        transport,
        host: plan.host,
        session: setup.session,
        expectedMessages: plan.count,
        payloadBytes: plan.size,
        echo: plan.mode === 'rtt',
        recvBufferBytes:
          labTransport(transport).impairment === 'datagram'
            ? (plan.recvBufferBytes ?? (setup.blast ? undefined : LAB_SOCKET_BUFFER_BYTES))
            : undefined,
      }),
    )
    let relay: LabHost | undefined
    let target = receiverAddress
    if (setup.impairment !== undefined) {
      relay = await startLabHost('relay', plan.inProcess)
      hosts.push(relay)
      target = await watch(
        relay.call('startRelay', {
          transport,
          host: plan.host,
          socketBufferBytes: LAB_SOCKET_BUFFER_BYTES,
          target: receiverAddress,
          impairment: setup.impairment,
          seed: setup.seed,
        }),
      )
    }
    const died = Promise.race(hosts.map((host) => host.died))
    died.catch(() => {})
    return { receiver, relay, receiverAddress, target, watch, died, close }
  } catch (error) {
    await close()
    throw error
  }
}
