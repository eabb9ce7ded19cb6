import { LabError } from '../../errors.js'
import { hasTool, runTool, runToolSync } from './exec.js'
import type { KernelImpairment } from './impairment.js'
import { LINK_PREFIX_LENGTH, type LinkNames, linkNames, RECEIVER_ADDRESS, SENDER_ADDRESS } from './names.js'
import { hasNetem, noNetemError } from './netem.js'
import {
  iptablesLossCommands,
  nftLossScript,
  parseNftCounterPackets,
  tcCommands,
  UDP_DROPS_COUNTER,
} from './rules.js'

/** Construction options of a {@link KernelLink}. */
export interface KernelLinkInit {
  readonly impairment: KernelImpairment
  /** The control channel's TCP port, exempt from loss. */
  readonly controlPort: number
  /** The PATH to look for nft in (iptables is the fallback). */
  readonly path: string
  /** Whose link this is: its pid goes into the names. */
  readonly pid: number
}

/** Which tool drops packets on a link. */
export type LossTool = 'nftables' | 'iptables'

let serial = 0

/**
 * Two network namespaces joined by a veth pair, each end with an address of a private /30 that
 * exists only inside them: traffic between them never leaves the machine. Each namespace drops
 * (nftables, or iptables where nft is missing) and shapes (tc) what it sends, so the link is
 * impaired the same way in both directions.
 *
 * The veth ends send one MSS per packet (`gso_max_segs 1`), as a real wire carries them: with
 * segmentation offload a dropped 64 KB super-packet would lose dozens of segments at once, and the
 * loss would not be the loss asked for.
 *
 * Deleting the namespaces deletes everything in them (the veth pair, the rules, the qdiscs), so
 * {@link close} is that and killing what still runs inside.
 */
export class KernelLink {
  private closed = false

  private constructor(
    readonly names: LinkNames,
    /** What drops packets; undefined when there is no loss. */
    readonly lossTool: LossTool | undefined,
    private readonly created: readonly string[],
  ) {}

  /** The sender's address (in {@link LinkNames.senderNamespace}). */
  get senderAddress(): string {
    return SENDER_ADDRESS
  }

  /** The receiver's address (in {@link LinkNames.receiverNamespace}). */
  get receiverAddress(): string {
    return RECEIVER_ADDRESS
  }

  /**
   * Creates the namespaces, the veth pair, the addresses and the impairment. What was created is
   * removed again when a step fails.
   * @throws KernelLinkError naming the command that failed
   */
  static async create(init: KernelLinkInit): Promise<KernelLink> {
    const names = linkNames(init.pid, ++serial)
    const created: string[] = []
    try {
      for (const namespace of [names.senderNamespace, names.receiverNamespace]) {
        await runTool('ip', ['netns', 'add', namespace])
        created.push(namespace)
      }
      const ends = [
        { namespace: names.senderNamespace, device: names.senderDevice, address: SENDER_ADDRESS },
        { namespace: names.receiverNamespace, device: names.receiverDevice, address: RECEIVER_ADDRESS },
      ] as const
      // Created straight inside the namespaces: the pair never exists in the host's namespace.
      await runTool('ip', [
        'link',
        'add',
        names.senderDevice,
        'netns',
        names.senderNamespace,
        'type',
        'veth',
        'peer',
        'name',
        names.receiverDevice,
        'netns',
        names.receiverNamespace,
      ])
      for (const end of ends) {
        await runTool('ip', ['-n', end.namespace, 'link', 'set', 'dev', end.device, 'gso_max_segs', '1'])
        await runTool('ip', [
          '-n',
          end.namespace,
          'addr',
          'add',
          `${end.address}/${LINK_PREFIX_LENGTH}`,
          'dev',
          end.device,
        ])
        await runTool('ip', ['-n', end.namespace, 'link', 'set', 'dev', 'lo', 'up'])
        await runTool('ip', ['-n', end.namespace, 'link', 'set', 'dev', end.device, 'up'])
      }
      let lossTool: LossTool | undefined
      if (init.impairment.loss > 0) {
        lossTool = hasTool('nft', init.path) ? 'nftables' : 'iptables'
        for (const end of ends) await addLoss(end.namespace, end.device, lossTool, names.table, init)
      }
      if (init.impairment.netem !== undefined && !(await hasNetem(names.senderNamespace)))
        throw noNetemError()
      for (const end of ends) {
        for (const args of tcCommands(end.device, init.impairment))
          await runTool('tc', ['-n', end.namespace, ...args])
      }
      return new KernelLink(names, lossTool, created)
    } catch (error) {
      await removeNamespaces(created)
      throw error
    }
  }

  /**
   * The UDP datagrams the loss rule dropped on arrival in each namespace, read from its nftables
   * counter: in the receiver's namespace, those on the way from the sender, and in the sender's,
   * those on the way back. Undefined without loss, with iptables (which keeps no such count here),
   * or when nft cannot be read.
   */
  async udpImpairmentDrops(): Promise<
    { readonly toReceiver: number; readonly toSender: number } | undefined
  > {
    if (this.lossTool !== 'nftables' || this.closed) return undefined
    const read = async (namespace: string): Promise<number | undefined> => {
      const json = await runTool('ip', [
        'netns',
        'exec',
        namespace,
        'nft',
        '-j',
        'list',
        'counter',
        'inet',
        this.names.table,
        UDP_DROPS_COUNTER,
      ]).catch(() => undefined)
      return json === undefined ? undefined : parseNftCounterPackets(json)
    }
    const toReceiver = await read(this.names.receiverNamespace)
    const toSender = await read(this.names.senderNamespace)
    if (toReceiver === undefined || toSender === undefined) return undefined
    return { toReceiver, toSender }
  }

  /** The command line that runs `command` inside `namespace`: `ip netns exec <namespace> ...`. */
  static commandIn(namespace: string, command: string, args: readonly string[]): [string, string[]] {
    return ['ip', ['netns', 'exec', namespace, command, ...args]]
  }

  /** Kills what still runs in the namespaces and deletes them (and with them the veth pair and rules). Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    await removeNamespaces(this.created)
  }

  /** {@link close}, blocking: for a process that is exiting. */
  closeSync(): void {
    if (this.closed) return
    this.closed = true
    for (const namespace of this.created) {
      for (const pid of pidsInSync(namespace)) killQuietly(pid)
      runToolSync('ip', ['netns', 'del', namespace])
    }
  }
}

async function addLoss(
  namespace: string,
  device: string,
  tool: LossTool,
  table: string,
  init: KernelLinkInit,
): Promise<void> {
  const { loss } = init.impairment
  if (tool === 'nftables') {
    await runTool(
      'ip',
      ['netns', 'exec', namespace, 'nft', '-f', '-'],
      nftLossScript(table, device, loss, init.controlPort),
    )
    return
  }
  if (!hasTool('iptables', init.path)) {
    throw new LabError(
      'ERR_UNSUPPORTED',
      '--loss on the kernel link needs nft (nftables) or iptables, and neither is installed',
      { reason: 'kernel-link-no-loss-tool' },
    )
  }
  for (const args of iptablesLossCommands(device, loss, init.controlPort)) {
    await runTool('ip', ['netns', 'exec', namespace, 'iptables', ...args])
  }
}

/** Kills every process in each namespace, then deletes it. Never throws: it is cleanup. */
export async function removeNamespaces(namespaces: readonly string[]): Promise<void> {
  for (const namespace of namespaces) {
    const pids = await runTool('ip', ['netns', 'pids', namespace]).catch(() => '')
    for (const pid of parsePids(pids)) killQuietly(pid)
    await runTool('ip', ['netns', 'del', namespace]).catch(() => {})
  }
}

function pidsInSync(namespace: string): number[] {
  return parsePids(runToolSync('ip', ['netns', 'pids', namespace]) ?? '')
}

/** The pids `ip netns pids` printed. */
export function parsePids(text: string): number[] {
  return text
    .split(/\s+/)
    .filter((word) => /^\d+$/.test(word))
    .map(Number)
}

/** Sends SIGKILL to `pid`, ignoring a process that is already gone. */
export function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL')
  } catch {
    // Already gone.
  }
}
