import type { Capture } from '@protolab/lab'
import type { CliIO } from '../io.js'

/** One end of a session, by address and port. */
interface SessionEnd {
  readonly address: string
  readonly port: number
}

/**
 * Starts `--capture <file>` for a session whose ports are now known (after binding, so port 0 has
 * become a real port), and resolves once the capture program is recording; undefined without the
 * flag. Loopback sessions are captured on `lo`, any other on every interface. The caller stops it
 * after closing its endpoint, so the close is recorded too.
 */
export async function captureSession(
  file: string | undefined,
  ends: readonly (SessionEnd | undefined)[],
  io: CliIO,
): Promise<Capture | undefined> {
  if (file === undefined) return undefined
  const known = ends.filter((end): end is SessionEnd => end !== undefined)
  const { droppedWarning, portFilter, startCapture } = await import('@protolab/lab')
  const onLoopback = known.every((end) => end.address === '::1' || end.address.startsWith('127.'))
  const capture = await startCapture({
    file,
    interface: onLoopback ? 'lo' : 'any',
    filter: portFilter(known.map((end) => end.port)),
  })
  io.stderr.write(`capturing to ${file} with ${capture.tool}\n`)
  return {
    ...capture,
    stop: async () => {
      const stats = await capture.stop()
      const warning = droppedWarning(file, stats)
      if (warning !== undefined) io.stderr.write(`${warning}\n`)
      return stats
    },
  }
}
