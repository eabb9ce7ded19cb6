import { expect, it } from 'vitest'
import type { ComplianceContext } from './_harness.js'

/** Host strings no transport may accept: an octet over 255, and text that is no address or name. */
const INVALID_HOSTS = ['256.0.0.1', 'not a host']

/** Refusals with typed errors: a taken port, a bad host, a port out of range, an aborted signal. */
export function failureChecks(context: ComplianceContext): void {
  const { host } = context

  it('rejects binding a taken port with ERR_PORT_IN_USE naming the port', async () => {
    const { transport, receiver } = await context.pair()
    const port = receiver.localAddress?.port ?? 0
    const error = await context
      .open(transport, { bind: { host, port }, listen: true })
      .catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'ERR_PORT_IN_USE', port })
    expect(String((error as Error).message)).toContain(String(port))
  })

  it('rejects an invalid bind host with ERR_INVALID_ADDRESS', async () => {
    const transport = await context.transport()
    for (const invalid of INVALID_HOSTS) {
      await expect(
        context.open(transport, { bind: { host: invalid, port: 0 }, listen: true }),
        `bind host ${JSON.stringify(invalid)}`,
      ).rejects.toMatchObject({ code: 'ERR_INVALID_ADDRESS' })
    }
  })

  it('rejects port 70000 with ERR_PORT_RANGE, to bind and as a peer', async () => {
    const transport = await context.transport()
    await expect(
      context.open(transport, { bind: { host, port: 70_000 }, listen: true }),
    ).rejects.toMatchObject({
      code: 'ERR_PORT_RANGE',
    })
    await expect(context.open(transport, { peer: { address: host, port: 70_000 } })).rejects.toMatchObject({
      code: 'ERR_PORT_RANGE',
    })
  })

  it('rejects open() with an already aborted signal with ERR_ABORTED', async () => {
    const transport = await context.transport()
    const signal = AbortSignal.abort()
    await expect(
      context.open(transport, { bind: { host, port: 0 }, listen: true, signal }),
    ).rejects.toMatchObject({
      code: 'ERR_ABORTED',
    })
  })
}
