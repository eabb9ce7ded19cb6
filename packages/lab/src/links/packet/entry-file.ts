import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { LabError } from '../../errors.js'

/** The file name of the packet link's bundled entry in dist/ (tsup.config.ts builds it beside lab-child.js). */
export const PACKET_LINK_ENTRY_FILE = 'packet-link-host.js'

/**
 * The packet link's entry (its host and the lab's roles inside the namespaces): beside the bundle
 * that runs this code (dist/, or dist/ above a chunk), or, from sources (tests), in the package's
 * dist/ (built by `pnpm build`).
 */
export function packetLinkEntry(): string {
  const here = typeof __dirname === 'string' ? __dirname : dirname(fileURLToPath(import.meta.url))
  const candidates = [
    join(here, PACKET_LINK_ENTRY_FILE),
    join(here, '..', PACKET_LINK_ENTRY_FILE),
    join(here, '..', '..', '..', 'dist', PACKET_LINK_ENTRY_FILE),
  ]
  const found = candidates.find((candidate) => existsSync(candidate))
  if (found === undefined) {
    throw new LabError(
      'ERR_UNSUPPORTED',
      `the packet link's entry is missing (looked for ${candidates.join(', ')})`,
      { reason: 'namespace-entry-missing' },
    )
  }
  return found
}
