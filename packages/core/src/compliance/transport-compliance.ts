import { describe } from 'vitest'
import type { Transport } from '../transport/types.js'
import { createContext } from './_harness.js'
import { addressingChecks } from './addressing.js'
import { deliveryChecks } from './delivery.js'
import { failureChecks } from './failures.js'
import { lifecycleChecks } from './lifecycle.js'
import { semanticsChecks } from './semantics.js'

/** What {@link transportCompliance} needs to know about the implementation under test. */
export interface TransportComplianceOptions {
  /** Shown in the test names. */
  readonly name: string
  /** A fresh transport; called once per test. */
  create(): Transport | Promise<Transport>
  /** Loopback hosts to run every check on; default `['127.0.0.1', '::1']`. */
  readonly hosts?: readonly string[]
}

/** The loopback hosts the suite runs on unless told otherwise. */
export const DEFAULT_COMPLIANCE_HOSTS: readonly string[] = ['127.0.0.1', '::1']

/**
 * Registers the shared transport compliance suite as vitest `describe`/`it` blocks: what one
 * transport passes, every other must pass, except where its `semantics` say otherwise. The checks
 * branch on `semantics` only, never on the name. A stream transport runs it with a framing that keeps
 * messages (line or length); payloads never contain `\n` or `\r`.
 *
 * For each host, a receiver binds port 0 (`listen: true`) and a sender opens with `peer` set to it.
 *
 * @example
 * ```ts
 * import { transportCompliance } from '@protolab/core/compliance'
 * transportCompliance({ name: 'udp', create: () => udp() })
 * ```
 */
export function transportCompliance(options: TransportComplianceOptions): void {
  const hosts = options.hosts ?? DEFAULT_COMPLIANCE_HOSTS
  describe(`${options.name}: transport compliance`, () => {
    for (const host of hosts) {
      describe(`on ${host}`, () => {
        const context = createContext(options.create, host)
        semanticsChecks(context)
        addressingChecks(context)
        deliveryChecks(context)
        lifecycleChecks(context)
        failureChecks(context)
      })
    }
  })
}
