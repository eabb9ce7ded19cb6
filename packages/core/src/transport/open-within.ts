import { TimeoutError } from '../errors.js'

/**
 * Runs `open` (a connect, a transport's `open`) with `timeoutMs` as its limit, as nc's `-w` is,
 * `signal` still stopping it; no limit when `timeoutMs` is undefined.
 * @throws TimeoutError when the limit passed first; else what `open` threw.
 */
export async function openWithin<T>(
  timeoutMs: number | undefined,
  signal: AbortSignal | undefined,
  open: (signal: AbortSignal | undefined) => Promise<T>,
): Promise<T> {
  if (timeoutMs === undefined) return open(signal)
  const timeout = AbortSignal.timeout(timeoutMs)
  try {
    return await open(signal === undefined ? timeout : AbortSignal.any([signal, timeout]))
  } catch (error) {
    if (timeout.aborted && !signal?.aborted) throw new TimeoutError(`no answer within ${timeoutMs} ms`)
    throw error
  }
}
