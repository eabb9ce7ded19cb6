import { describe, expect, it } from 'vitest'
import { accessListOf } from '../src/index.js'

describe('accessListOf (--allow and --deny)', () => {
  it('serves everyone without rules', () => {
    expect(accessListOf({}).restricts).toBe(false)
  })

  it('serves what --allow lists and --deny does not, IPv4-mapped peers judged as IPv4', () => {
    const list = accessListOf({ allow: ['10.0.0.0/8', '::1'], deny: ['10.0.0.13'] })
    expect(list.restricts).toBe(true)
    expect(list.allows('10.1.2.3')).toBe(true)
    expect(list.allows('::ffff:10.1.2.3')).toBe(true)
    expect(list.allows('10.0.0.13')).toBe(false)
    expect(list.allows('::ffff:10.0.0.13')).toBe(false)
    expect(list.allows('192.168.0.1')).toBe(false)
    expect(list.allows('::1')).toBe(true)
    expect(accessListOf({ deny: ['127.0.0.0/8'] }).allows('127.0.0.1')).toBe(false)
  })

  it('refuses an entry that is not an address or prefix, naming the flag', () => {
    expect(() => accessListOf({ allow: ['10.0.0.0/33'] })).toThrow(/--allow.*invalid prefix/)
  })
})
