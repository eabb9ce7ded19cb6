/**
 * Entry of a benchmark peer process: `node peer.mjs <group> <role> <params JSON>` runs
 * `roles[role](params)` of bench/<group>.mjs. The role resolves to `{ info, methods }`; `info` is
 * sent to the parent once ready, and the parent calls `methods` over the IPC channel (child.mjs).
 * Every peer also answers `memory`: process.memoryUsage() after a full GC when node runs with
 * --expose-gc (so the JS heap that survives is what is measured). The peer exits when the parent
 * goes away.
 */
const [group, role, paramsJson] = process.argv.slice(2)

try {
  const module = await import(new URL(`../${group}.mjs`, import.meta.url).href)
  const factory = module.roles?.[role]
  if (typeof factory !== 'function') throw new Error(`bench/${group}.mjs has no role "${role}"`)
  const { info, methods: roleMethods } = await factory(JSON.parse(paramsJson ?? '{}'))
  const methods = { memory: memoryAfterGc, ...roleMethods }
  process.on('message', async (message) => {
    if (message?.type !== 'call') return
    try {
      const method = methods[message.method]
      if (typeof method !== 'function') throw new Error(`no method "${message.method}"`)
      const value = await method(message.params)
      process.send({ type: 'reply', id: message.id, ok: true, value })
    } catch (error) {
      process.send({ type: 'reply', id: message.id, ok: false, error: String(error?.stack ?? error) })
    }
  })
  process.on('disconnect', () => process.exit(0))
  process.on('SIGTERM', () => process.exit(0))
  process.send({ type: 'ready', info })
} catch (error) {
  process.send?.({ type: 'failed', error: String(error?.stack ?? error) })
  process.exitCode = 1
  process.disconnect?.()
}

function memoryAfterGc() {
  globalThis.gc?.()
  return process.memoryUsage()
}
