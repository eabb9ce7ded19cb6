import { decodeText, type Endpoint, encodeText, type Message, type Transport } from '@protolab/core'
import { tcp } from '@protolab/tcp'
import { udp } from '@protolab/udp'

/** What one chat line looked like on its way. */
export interface ChatLineExchange {
  readonly transport: 'udp' | 'tcp'
  /** The text's bytes in the encoding, as the application handed them over. */
  readonly bytes: Uint8Array
  /** Bytes on the wire: the same over UDP (one datagram), plus the `\n` of the line framing over TCP. */
  readonly wireBytes: number
  /** The text the receiver decoded. */
  readonly received: string
  /** Who the receiver says sent it. */
  readonly from: string
  /** Where the receiver listened. */
  readonly listener: string
}

/** How long the demo waits for its own line before saying something is wrong. */
const EXCHANGE_TIMEOUT_MS = 5000

/**
 * Sends one line of text in `encoding` from a fresh sender to a fresh listener on 127.0.0.1 (the
 * notes' `sendto` / `recvfrom`), and decodes it on arrival.
 */
export async function exchangeChatLine(
  transportName: 'udp' | 'tcp',
  text: string,
  encoding: string,
): Promise<ChatLineExchange> {
  const transport: Transport = transportName === 'udp' ? udp() : tcp({ framing: 'line' })
  const bytes = encodeText(text, encoding)
  const listener = await transport.open({ bind: { host: '127.0.0.1', port: 0 }, listen: true })
  let sender: Endpoint | undefined
  try {
    const address = listener.localAddress
    if (address === undefined) throw new Error('the listener has no address')
    sender = await transport.open({ peer: { address: address.address, port: address.port } })
    const arrival = firstMessage(listener)
    await sender.send(bytes)
    const message = await arrival
    return {
      transport: transportName,
      bytes,
      wireBytes: transportName === 'udp' ? bytes.length : bytes.length + 1,
      received: decodeText(message.payload, encoding),
      from: `${message.from.address}:${message.from.port}`,
      listener: `${address.address}:${address.port}`,
    }
  } finally {
    await sender?.close()
    await listener.close()
  }
}

async function firstMessage(endpoint: Endpoint): Promise<Message> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no message within ${EXCHANGE_TIMEOUT_MS} ms`)),
      EXCHANGE_TIMEOUT_MS,
    )
  })
  try {
    const next = (async () => {
      for await (const message of endpoint) return message
      throw new Error('the listener closed before a message came')
    })()
    return await Promise.race([next, timeout])
  } finally {
    clearTimeout(timer)
  }
}
