import { UsageError } from '../errors.js'
import type { CliIO } from '../io.js'
import { keepsBoundaries } from '../options/transport.js'
import type { ChatOptions } from './options.js'

/** Checks which chat was asked for (a peer, a listener or a room) and runs it. */
export async function runChat(options: ChatOptions, io: CliIO): Promise<void> {
  const isUdp = keepsBoundaries(options.transport)
  if (options.room !== undefined) {
    if (options.peer !== undefined || options.listen !== undefined || options.bind !== undefined) {
      throw new UsageError('--room runs a room on its own address: drop --peer, --listen and --bind', {
        hint: 'members join a room with: protolab chat --peer <room host:port>',
      })
    }
    const { runChatRoomCommand } = await import('./room.js')
    await runChatRoomCommand(options, io)
    return
  }
  if (options.peer === undefined && options.listen === undefined) {
    throw new UsageError('chat needs --peer <host:port>, --listen <[host:]port> or --room <[host:]port>', {
      hint: "run 'protolab chat --help' for examples",
    })
  }
  if (options.listen !== undefined && options.bind !== undefined) {
    throw new UsageError('--listen already says where to bind: drop --bind')
  }
  if (!isUdp && options.listen !== undefined && options.peer !== undefined) {
    throw new UsageError('over TCP one side listens (--listen) and the other connects (--peer), not both')
  }
  const { runChatPeer } = await import('./peer.js')
  await runChatPeer(options, io)
}
