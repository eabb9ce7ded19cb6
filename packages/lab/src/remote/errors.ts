import { ProtolabError } from '@protolab/core'

/** Thrown (code `ERR_PROTOCOL`) when the peer of a lab control channel sends something the protocol does not allow. */
export class ControlProtocolError extends ProtolabError {
  override name = 'ControlProtocolError'
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_PROTOCOL', message, options)
  }
}

/**
 * Thrown (code `ERR_REFUSED`) by `runRemoteLab` when the server refused or ended the session:
 * `refusal` is the server's reason (`busy`, `version`, `invalid`, ...).
 */
export class RemoteLabRefusedError extends ProtolabError {
  override name = 'RemoteLabRefusedError'
  constructor(
    message: string,
    readonly refusal: string,
  ) {
    super('ERR_REFUSED', message)
  }
}
