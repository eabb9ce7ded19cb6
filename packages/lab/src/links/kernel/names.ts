/**
 * Names and addresses of a kernel link. Every name starts with {@link LINK_PREFIX}, so
 * `protolab lab cleanup` finds whatever a run left behind, and carries the pid of the process that
 * made it, so cleanup leaves the links of running processes alone.
 */
export const LINK_PREFIX = 'plab-'

/** The sender's address, inside its namespace: a private /30 that never leaves the two namespaces. */
export const SENDER_ADDRESS = '10.77.0.1'
/** The receiver's (the lab server's) address, inside its namespace. */
export const RECEIVER_ADDRESS = '10.77.0.2'
export const LINK_PREFIX_LENGTH = 30

/** The names of one kernel link. */
export interface LinkNames {
  /** The sender's network namespace (where `lab run` runs). */
  readonly senderNamespace: string
  /** The receiver's network namespace (where `lab serve` runs). */
  readonly receiverNamespace: string
  /** The veth end in the sender's namespace (names inside a namespace are its own). */
  readonly senderDevice: string
  /** The veth end in the receiver's namespace. */
  readonly receiverDevice: string
  /** The nftables table of the loss rules, in each namespace. */
  readonly table: string
}

/** The names of link number `serial` of process `pid`: `plab-<pid>-<serial>-a` and `-b`. */
export function linkNames(pid: number, serial: number): LinkNames {
  const base = `${LINK_PREFIX}${pid}-${serial}`
  return {
    senderNamespace: `${base}-a`,
    receiverNamespace: `${base}-b`,
    senderDevice: 'plab-a',
    receiverDevice: 'plab-b',
    table: 'plab',
  }
}

/** The pid that made a namespace named by {@link linkNames}; undefined for any other name. */
export function ownerOf(namespace: string): number | undefined {
  const match = /^plab-(\d+)-\d+-[ab]$/.exec(namespace)
  return match === null ? undefined : Number(match[1])
}
