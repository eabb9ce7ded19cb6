/**
 * The entry of a process the kernel link starts inside one of its network namespaces
 * (`ip netns exec <ns> node lab-namespace.js`): it reads one {@link NamespaceRequest} from stdin,
 * serves or runs it, and says what happens as {@link NamespaceEvent} lines on stdout. SIGTERM
 * (the kernel link stopping it) ends a server and aborts a run.
 */
import { text } from 'node:stream/consumers'
import { runRemoteLab } from '../../../remote/client.js'
import { writeResultsFile } from '../../../remote/results-file.js'
import { DEFAULT_MAX_CONNECTIONS, LabServer } from '../../../remote/server.js'
import { type NamespaceEvent, type NamespaceRequest, parseNamespaceRequest } from './protocol.js'

const stop = new AbortController()
process.on('SIGTERM', () => stop.abort())
process.on('SIGINT', () => stop.abort())

/** Writes one event line; resolves once it is handed to the pipe (so an exit right after loses nothing). */
function say(event: NamespaceEvent): Promise<void> {
  return new Promise((resolve) => process.stdout.write(`${JSON.stringify(event)}\n`, () => resolve()))
}

async function serve(request: Extract<NamespaceRequest, { kind: 'serve' }>): Promise<void> {
  const server = await LabServer.start({
    bind: request.bind,
    maxConnections: DEFAULT_MAX_CONNECTIONS,
    // The kernel link's client may be slow to start on a busy machine; the link stops the server.
    idleTimeoutMs: 0,
    log: (line) => process.stderr.write(`lab serve: ${line}\n`),
  })
  await say({ type: 'listening', address: server.address })
  if (!stop.signal.aborted) {
    await new Promise<void>((resolve) =>
      stop.signal.addEventListener('abort', () => resolve(), { once: true }),
    )
  }
  await server.close()
}

async function run(request: Extract<NamespaceRequest, { kind: 'run' }>): Promise<void> {
  const report = await runRemoteLab(request.options, {
    signal: stop.signal,
    onProgress: (progress) => void say({ type: 'progress', progress }),
    onInterval: (transport, interval, direction) =>
      void say({ type: 'interval', transport, interval, direction }),
  })
  await writeResultsFile(request.resultsFile, report)
  await say({ type: 'done' })
}

async function main(): Promise<void> {
  const request = parseNamespaceRequest(await text(process.stdin))
  if (request.kind === 'serve') await serve(request)
  else await run(request)
}

main().then(
  () => process.exit(0),
  async (error: unknown) => {
    const message = error instanceof Error ? error.message : String(error)
    const code = (error as { code?: unknown } | null)?.code
    process.stderr.write(`lab-namespace: ${message}\n`)
    await say({ type: 'failed', message, code: typeof code === 'string' ? code : undefined })
    process.exit(1)
  },
)
