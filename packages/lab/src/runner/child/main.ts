/**
 * The entry of a lab child process (forked by the runner, one per role: receiver or relay). It
 * serves calls of {@link LabRoles} over the IPC channel and exits when the runner disconnects,
 * so a runner that dies never leaves a child behind.
 */
import { LabRoles } from '../roles/roles.js'
import { type CallMessage, isCallMessage, type ReplyMessage, serializeError } from './protocol.js'

const roles = new LabRoles()

async function answer(message: CallMessage): Promise<ReplyMessage> {
  const fn = (roles as unknown as Record<string, unknown>)[message.method]
  if (typeof fn !== 'function' || message.method === 'constructor') {
    return {
      kind: 'reply',
      id: message.id,
      ok: false,
      error: serializeError(new Error(`no method ${message.method}`)),
    }
  }
  try {
    const params = Array.isArray(message.params) ? message.params : []
    const value: unknown = await fn.apply(roles, params)
    return { kind: 'reply', id: message.id, ok: true, value }
  } catch (error) {
    return { kind: 'reply', id: message.id, ok: false, error: serializeError(error) }
  }
}

process.on('message', (message) => {
  if (!isCallMessage(message)) return
  void answer(message).then((reply) => {
    if (process.connected) process.send?.(reply)
  })
})

process.on('disconnect', () => {
  void roles.closeAll().finally(() => process.exit(0))
})
// The runner handles Ctrl-C for the whole process group and closes us in order.
process.on('SIGINT', () => {})
