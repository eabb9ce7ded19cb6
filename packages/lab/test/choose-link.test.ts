import { InvalidArgumentError } from '@protolab/core'
import { describe, expect, it } from 'vitest'
import { chooseLink } from '../src/links/choose-link.js'

describe('chooseLink and intervals', () => {
  it('keeps intervals under 100 ms on the proxy link: auto says why, packet refuses them', () => {
    const chosen = chooseLink({ transports: ['udp'], link: 'auto', intervalMs: 50 })
    expect(chosen).toEqual({
      link: 'proxy',
      note: expect.stringContaining('intervals shorter than 100 ms are on the proxy link only'),
    })
    expect(() => chooseLink({ transports: ['udp'], link: 'packet', intervalMs: 50 })).toThrow(
      InvalidArgumentError,
    )
  })
})
