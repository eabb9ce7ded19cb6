/**
 * Runs `cleanup` if the process exits while a kernel link exists: a second Ctrl-C makes the
 * command exit at once (see bin.ts), and namespaces must not outlive it. `cleanup` must be
 * synchronous, as nothing asynchronous runs in an 'exit' handler. Returns the function that
 * removes the guard once the link was removed the normal way.
 *
 * The one place outside bin.ts that listens to `process`: nothing else can see an exit coming.
 */
export function guardExit(cleanup: () => void): () => void {
  const onExit = (): void => cleanup()
  process.once('exit', onExit)
  return () => {
    process.off('exit', onExit)
  }
}
