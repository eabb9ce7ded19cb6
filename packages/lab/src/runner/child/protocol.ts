import { type ErrorCode, ProtolabError } from '@protolab/core'

/** A request from the runner to a lab child: call `method` with `params`. */
export interface CallMessage {
  readonly kind: 'call'
  readonly id: number
  readonly method: string
  readonly params: unknown
}

/** An error as it crosses the IPC channel. */
export interface SerializedError {
  readonly name: string
  readonly message: string
  readonly code: string | undefined
}

/** A lab child's answer to one {@link CallMessage}. */
export type ReplyMessage =
  | { readonly kind: 'reply'; readonly id: number; readonly ok: true; readonly value: unknown }
  | { readonly kind: 'reply'; readonly id: number; readonly ok: false; readonly error: SerializedError }

/** True when `value` has the shape of a {@link CallMessage}. */
export function isCallMessage(value: unknown): value is CallMessage {
  const message = value as Partial<CallMessage> | null
  return (
    typeof message === 'object' &&
    message !== null &&
    message.kind === 'call' &&
    typeof message.id === 'number' &&
    typeof message.method === 'string'
  )
}

/** True when `value` has the shape of a {@link ReplyMessage}. */
export function isReplyMessage(value: unknown): value is ReplyMessage {
  const message = value as Partial<ReplyMessage> | null
  return (
    typeof message === 'object' &&
    message !== null &&
    message.kind === 'reply' &&
    typeof message.id === 'number'
  )
}

/** An error, reduced to what crosses a process boundary. */
export function serializeError(error: unknown): SerializedError {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code
    return { name: error.name, message: error.message, code: typeof code === 'string' ? code : undefined }
  }
  return { name: 'Error', message: String(error), code: undefined }
}

/** An error back from {@link serializeError}: a ProtolabError when it carried a protolab code. */
export function deserializeError(error: SerializedError): Error {
  if (error.code !== undefined && /^ERR_[A-Z_]+$/.test(error.code)) {
    const rebuilt = new ProtolabError(error.code as ErrorCode, error.message)
    rebuilt.name = error.name
    return rebuilt
  }
  const rebuilt = new Error(error.message)
  rebuilt.name = error.name
  return rebuilt
}
