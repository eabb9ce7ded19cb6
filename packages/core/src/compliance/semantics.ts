import { expect, it } from 'vitest'
import type { ComplianceContext } from './_harness.js'

/** `semantics` has the declared shape, and endpoints report the same promises as their transport. */
export function semanticsChecks(context: ComplianceContext): void {
  it('declares `semantics` as four booleans, the same on the transport and its endpoints', async () => {
    const { transport, receiver, sender } = await context.pair()
    expect(transport.semantics).toEqual({
      reliable: expect.any(Boolean),
      ordered: expect.any(Boolean),
      messageBoundaries: expect.any(Boolean),
      connectionOriented: expect.any(Boolean),
    })
    expect(receiver.semantics).toEqual(transport.semantics)
    expect(sender.semantics).toEqual(transport.semantics)
    expect(typeof transport.name).toBe('string')
  })
}
