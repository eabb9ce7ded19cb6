import { ProtolabError } from '@protolab/core'

/**
 * Thrown when the packet link cannot run on this machine (not Linux, no user namespaces and not
 * root, a tool missing), or when it fails while it runs (a command inside its namespaces, a child
 * that dies). `hint` names what works instead.
 */
export class PacketLinkError extends ProtolabError {
  override name = 'PacketLinkError'
  /** What to do instead, in one line; undefined when nothing better can be said. */
  readonly hint: string | undefined

  constructor(
    code: 'ERR_LINK_UNAVAILABLE' | 'ERR_LINK_FAILED',
    message: string,
    options: { hint?: string; cause?: unknown } = {},
  ) {
    super(code, message, options.cause === undefined ? undefined : { cause: options.cause })
    this.hint = options.hint
  }
}
