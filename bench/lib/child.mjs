import { fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const PEER_ENTRY = fileURLToPath(new URL('./peer.mjs', import.meta.url))
const START_TIMEOUT_MS = 15_000
const CALL_TIMEOUT_MS = 30_000
const STOP_TIMEOUT_MS = 5_000

/** Every peer still running, so an interrupted run leaves no process behind. */
const running = new Set()
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL')
})

/**
 * Stops every peer still running: a group that failed half-way (its second peer did not start, say)
 * must not leave the first one holding this process open through its IPC channel.
 */
export async function stopAllPeers() {
  await Promise.all(
    Array.from(running, async (child) => {
      const exited = new Promise((resolve) => child.once('exit', resolve))
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS)
      await exited
      clearTimeout(timer)
    }),
  )
}

/**
 * Starts `roles[role]` of bench/<group>.mjs in a child process (see peer.mjs) and resolves, once it
 * is ready, to `{ pid, info, call(method, params), stop() }`. `info` is what the role reported when
 * ready (its address, typically); `call` runs one of its methods and resolves to the result.
 * `env` replaces the child's environment (default: this process's).
 */
export function startPeer(group, role, params = {}, env = process.env) {
  const child = fork(PEER_ENTRY, [group, role, JSON.stringify(params)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env,
  })
  running.add(child)
  child.once('exit', () => running.delete(child))
  let nextId = 1
  const pending = new Map()
  child.on('message', (message) => {
    if (message?.type !== 'reply') return
    const waiter = pending.get(message.id)
    if (waiter === undefined) return
    pending.delete(message.id)
    clearTimeout(waiter.timer)
    if (message.ok) waiter.resolve(message.value)
    else waiter.reject(new Error(`${group}/${role}.${waiter.method}: ${message.error}`))
  })
  child.once('exit', (code, signal) => {
    for (const waiter of pending.values()) {
      clearTimeout(waiter.timer)
      waiter.reject(new Error(`${group}/${role} exited (${signal ?? code}) during ${waiter.method}`))
    }
    pending.clear()
  })

  const call = (method, callParams = {}, timeoutMs = CALL_TIMEOUT_MS) =>
    new Promise((resolve, reject) => {
      if (child.exitCode !== null || child.signalCode !== null) {
        reject(new Error(`${group}/${role} is not running`))
        return
      }
      const id = nextId++
      const timer = setTimeout(() => {
        pending.delete(id)
        reject(new Error(`${group}/${role}.${method} took over ${timeoutMs} ms`))
      }, timeoutMs)
      pending.set(id, { resolve, reject, timer, method })
      child.send({ type: 'call', id, method, params: callParams })
    })

  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS)
    await exited
    clearTimeout(timer)
  }

  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`${group}/${role} did not start within ${START_TIMEOUT_MS} ms`))
    }, START_TIMEOUT_MS)
    const onMessage = (message) => {
      if (message?.type === 'ready') {
        done()
        resolve({ pid: child.pid, info: message.info, call, stop })
      } else if (message?.type === 'failed') {
        done()
        child.kill('SIGKILL')
        reject(new Error(`${group}/${role} failed to start: ${message.error}`))
      }
    }
    const onExit = (code, signal) => {
      done()
      reject(new Error(`${group}/${role} exited (${signal ?? code}) before it was ready`))
    }
    const done = () => {
      clearTimeout(timer)
      child.off('message', onMessage)
      child.off('exit', onExit)
    }
    child.on('message', onMessage)
    child.once('exit', onExit)
  })
}
