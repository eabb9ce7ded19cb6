/**
 * The entry of the packet link's processes (built as `packet-link-host.js`), one role per first
 * argument:
 * - `host <lab pid>`: the link host, PID 1 of its namespaces under `unshare`; reads its plan on stdin;
 * - `serve <address:port>`: the lab's receiving side (a lab server) in the receiver's namespace;
 * - `run <address:port> <workload JSON> <results file>`: the sending side in the sender's
 *   namespace; prints its progress (and intervals) as JSON lines and writes its report to the results file.
 * A failure is one line on stderr, `protolab: <what>`, and exit code 1.
 */
import { runRemoteLab } from '../../remote/client.js'
import { writeResultsFile } from '../../remote/results-file.js'
import { LabServer } from '../../remote/server.js'
import { runPacketLinkHost } from './host.js'
import type { PacketWorkload } from './protocol.js'

async function main(args: readonly string[]): Promise<number> {
  const [role, ...rest] = args
  if (role === 'host') return runPacketLinkHost(process.stdin, process.stdout)
  if (role === 'serve') {
    const { host, port } = hostPort(rest[0])
    const server = await LabServer.start({
      bind: { host, port },
      // One control connection per transport of a run of flows, and one spare.
      maxConnections: 4,
      idleTimeoutMs: 0,
      log: (line) => process.stderr.write(`lab serve: ${line}\n`),
    })
    process.stderr.write(`lab serve: listening on ${host}:${server.address.port}\n`)
    // Runs until the link host kills it.
    await new Promise(() => {})
    return 0
  }
  if (role === 'run') {
    const { host, port } = hostPort(rest[0])
    const { transport, flows, ...workload } = JSON.parse(rest[1] ?? '') as PacketWorkload
    const report = await runRemoteLab(
      {
        ...workload,
        server: { address: host, port },
        transports: [transport],
        direction: 'forward',
        ...(flows === undefined ? {} : { flows: flows.plan, between: flows.link }),
      },
      {
        onProgress: (progress) => process.stdout.write(`${JSON.stringify({ progress })}\n`),
        onInterval: (_, interval) => process.stdout.write(`${JSON.stringify({ interval })}\n`),
      },
    )
    await writeResultsFile(rest[2] ?? '', report)
    return 0
  }
  throw new Error(`unknown packet link role ${String(role)}`)
}

function hostPort(text: string | undefined): { host: string; port: number } {
  const at = text?.lastIndexOf(':') ?? -1
  if (text === undefined || at < 0) throw new Error(`expected address:port, got ${String(text)}`)
  return { host: text.slice(0, at), port: Number(text.slice(at + 1)) }
}

main(process.argv.slice(2)).then(
  // PID 1 of its namespaces (as host): exiting ends every process the link started.
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`protolab: ${error instanceof Error ? error.message : String(error)}\n`)
    process.exit(1)
  },
)
