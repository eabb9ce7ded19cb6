import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process'
import { WAIT_MS } from './sockets.js'

/** A child process whose output is collected as it comes. */
export interface Child {
  readonly process: ChildProcessWithoutNullStreams
  /** Everything written to stdout so far. */
  stdout(): string
  /** Resolves once stdout contains `text`; rejects after WAIT_MS or if the process exits first. */
  waitForOutput(text: string): Promise<void>
  /** Resolves with the exit code; rejects after WAIT_MS. */
  exited(): Promise<number | null>
}

/** Spawns child processes and kills every one still running in `afterEach`. */
export class Children {
  private readonly running = new Set<ChildProcessWithoutNullStreams>()

  spawn(command: string, args: readonly string[]): Child {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] })
    this.running.add(child)
    let output = ''
    let stderr = ''
    const exit = new Promise<number | null>((resolve) => {
      child.once('exit', (code) => {
        this.running.delete(child)
        resolve(code)
      })
    })
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString()
    })
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
    })
    child.stdin.on('error', () => {})
    const describe = () =>
      `${command} ${args.join(' ')} (stdout ${JSON.stringify(output)}, stderr ${JSON.stringify(stderr)})`
    return {
      process: child,
      stdout: () => output,
      waitForOutput: (text) =>
        new Promise((resolve, reject) => {
          const check = () => {
            if (!output.includes(text)) return
            done()
            resolve()
          }
          const timer = setTimeout(() => {
            done()
            reject(new Error(`no ${JSON.stringify(text)} from ${describe()} within ${WAIT_MS} ms`))
          }, WAIT_MS)
          const onExit = () => {
            if (output.includes(text)) return
            done()
            reject(new Error(`${describe()} exited before writing ${JSON.stringify(text)}`))
          }
          const done = () => {
            clearTimeout(timer)
            child.stdout.off('data', check)
            child.off('exit', onExit)
          }
          child.stdout.on('data', check)
          child.once('exit', onExit)
          check()
        }),
      exited: () =>
        new Promise((resolve, reject) => {
          const timer = setTimeout(
            () => reject(new Error(`${describe()} did not exit within ${WAIT_MS} ms`)),
            WAIT_MS,
          )
          void exit.then((code) => {
            clearTimeout(timer)
            resolve(code)
          })
        }),
    }
  }

  async killAll(): Promise<void> {
    const exits = Array.from(this.running, (child) => new Promise((resolve) => child.once('exit', resolve)))
    for (const child of this.running) child.kill('SIGKILL')
    await Promise.all(exits)
  }
}
