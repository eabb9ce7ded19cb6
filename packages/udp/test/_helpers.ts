import { type ChildProcess, execFileSync } from 'node:child_process'
import dgram from 'node:dgram'
import type { Endpoint, Message } from '@protolab/core'

/** True when `command` is on the PATH. */
export function has(command: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

/** A UDP port on 127.0.0.1 that was free a moment ago: bound with port 0, then released. */
export async function freePort(): Promise<number> {
  const socket = dgram.createSocket('udp4')
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()))
  const { port } = socket.address()
  await new Promise<void>((resolve) => socket.close(() => resolve()))
  return port
}

/** Resolves with the child's stdout once `done(stdout)` holds; rejects after `timeoutMs` or when it exits first. */
export function stdoutUntil(
  child: ChildProcess,
  done: (stdout: string) => boolean,
  timeoutMs = 5_000,
): Promise<string> {
  return new Promise((resolve, reject) => {
    let stdout = ''
    let stderr = ''
    const finish = (error?: Error): void => {
      clearTimeout(timer)
      child.stdout?.off('data', onData)
      child.stderr?.off('data', onErr)
      child.off('exit', onExit)
      if (error) reject(error)
      else resolve(stdout)
    }
    const onData = (chunk: Buffer): void => {
      stdout += chunk.toString('utf8')
      if (done(stdout)) finish()
    }
    const onErr = (chunk: Buffer): void => {
      stderr += chunk.toString('utf8')
    }
    const onExit = (code: number | null): void =>
      finish(new Error(`exited (${code}) before the expected output; stdout: ${stdout} stderr: ${stderr}`))
    const timer = setTimeout(
      () =>
        finish(new Error(`no expected output within ${timeoutMs} ms; stdout: ${stdout} stderr: ${stderr}`)),
      timeoutMs,
    )
    child.stdout?.on('data', onData)
    child.stderr?.on('data', onErr)
    child.on('exit', onExit)
  })
}

/** The next message of `endpoint`, or a rejection after `timeoutMs`. */
export async function nextMessage(endpoint: Endpoint, timeoutMs = 5_000): Promise<Message> {
  const iterator = endpoint[Symbol.asyncIterator]()
  let timer: ReturnType<typeof setTimeout> | undefined
  try {
    const result = await Promise.race([
      iterator.next(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no message within ${timeoutMs} ms`)), timeoutMs)
      }),
    ])
    if (result.done === true) throw new Error('the endpoint closed before a message arrived')
    return result.value
  } finally {
    clearTimeout(timer)
    await iterator.return?.()
  }
}

/** Kills a child process if it still runs and waits for it to exit. */
export async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill('SIGTERM')
  await exited
}
