import { CliError } from '../errors.js'

/** Thrown when the peer of a lab control channel sends something the protocol does not allow. */
export class ControlProtocolError extends CliError {
  override name = 'ControlProtocolError'
}

/** Thrown by `lab run` when the server refused or ended the session (busy, another version, invalid). */
export class RemoteLabRefusedError extends CliError {
  override name = 'RemoteLabRefusedError'
}
