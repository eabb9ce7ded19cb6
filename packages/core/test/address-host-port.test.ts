import { describe, expect, it } from 'vitest'
import {
  DEFAULT_HOST,
  formatHostPort,
  type HostPortDefaults,
  isHostName,
  parseHostPort,
} from '../src/address/index.js'
import { InvalidAddressError, PortRangeError } from '../src/errors.js'

describe('parseHostPort', () => {
  it.each<[string, HostPortDefaults | undefined, string, number]>([
    ['127.0.0.1:8080', undefined, '127.0.0.1', 8080],
    ['localhost:53', undefined, 'localhost', 53],
    ['example.com:443', undefined, 'example.com', 443],
    ['example.com.:443', undefined, 'example.com.', 443],
    ['my-host-1:0', undefined, 'my-host-1', 0],
    ['[::1]:53122', undefined, '::1', 53122],
    ['[2001:0DB8::0001]:80', undefined, '2001:db8::1', 80],
    ['[::ffff:192.0.2.1]:80', undefined, '::ffff:192.0.2.1', 80],
    ['[::]:9', undefined, '::', 9],
    ['8080', undefined, DEFAULT_HOST, 8080],
    [':8080', undefined, DEFAULT_HOST, 8080],
    ['8080', { host: '0.0.0.0' }, '0.0.0.0', 8080],
    [':8080', { host: '::1' }, '::1', 8080],
    ['0.0.0.0:7788', undefined, '0.0.0.0', 7788],
    ['localhost', { port: 7 }, 'localhost', 7],
    ['192.0.2.1', { port: 7 }, '192.0.2.1', 7],
    ['[::1]', { port: 7 }, '::1', 7],
    ['::1', { port: 7 }, '::1', 7],
    ['::', { port: 7 }, '::', 7],
    ['fe80::1', { port: 7 }, 'fe80::1', 7],
    ['::ffff:1.2.3.4', { port: 7 }, '::ffff:1.2.3.4', 7],
  ])('%j with %j is %s port %d', (input, defaults, host, port) => {
    expect(parseHostPort(input, defaults)).toEqual({ host, port })
  })

  it.each<[string, HostPortDefaults | undefined, string]>([
    ['', undefined, 'it is empty'],
    ['localhost', undefined, 'no port; expected localhost:port'],
    ['[::1]', undefined, 'no port; expected [::1]:port'],
    ['::1', undefined, 'no port; an IPv6 address with a port is written [::1]:port'],
    [
      '2001:db8::1:80',
      undefined,
      'ambiguous: write an IPv6 address with a port in brackets, as [2001:db8::1]:80',
    ],
    ['2001:db8::1:80', { port: 7 }, 'ambiguous'],
    ['fe80::1:2', undefined, 'ambiguous'],
    ['256.1.1.1:80', undefined, 'invalid IPv4 address "256.1.1.1": octet 256 is over 255'],
    ['1.2.3:80', undefined, 'invalid IPv4 address "1.2.3": it has 3 parts separated by \'.\', needs 4'],
    ['01.2.3.4:80', undefined, 'leading zero'],
    ['1.2.3', { port: 80 }, 'it has 3 parts'],
    ['123:80', undefined, 'invalid IPv4 address "123"'],
    ['host.123:80', undefined, 'its last label is all digits'],
    ['-bad:80', undefined, 'starts or ends with'],
    ['a_b:80', undefined, 'has a character other than a letter, digit or'],
    ['a..b:80', undefined, 'a label is empty'],
    [`${'a'.repeat(64)}:80`, undefined, 'is longer than 63 characters'],
    ['localhost:', undefined, 'the port is empty'],
    ['localhost:80x', undefined, 'port "80x" is not a decimal number'],
    ['localhost:1e3', undefined, 'port "1e3" is not a decimal number'],
    ['[::1]80', undefined, "expected ':port' after ']'"],
    ['[::1', undefined, "'[' without a closing ']'"],
    ['[127.0.0.1]:80', undefined, 'brackets are only for IPv6'],
    ['[fe80::1%eth0]:80', undefined, 'zone id'],
    ['[example.com]:80', undefined, 'invalid IPv6 address'],
    ['1:2:3', undefined, 'invalid IPv6 address'],
    [' localhost:80', undefined, 'has a character other than'],
    ['80x', undefined, 'no port; expected 80x:port'],
  ])('%j is refused: %s', (input, defaults, reason) => {
    expect(() => parseHostPort(input, defaults)).toThrow(InvalidAddressError)
    expect(() => parseHostPort(input, defaults)).toThrow(reason)
  })

  it.each(['localhost:65536', '127.0.0.1:-1', '[::1]:70000', '65536', '-1', ':99999'])(
    '%j has a port out of range',
    (input) => {
      expect(() => parseHostPort(input)).toThrow(PortRangeError)
    },
  )

  it('refuses a bad default port', () => {
    expect(() => parseHostPort('localhost', { port: 65536 })).toThrow(PortRangeError)
  })
})

describe('formatHostPort', () => {
  it.each([
    ['127.0.0.1', 53122, '127.0.0.1:53122'],
    ['::1', 53122, '[::1]:53122'],
    ['2001:db8::1', 80, '[2001:db8::1]:80'],
    ['localhost', 0, 'localhost:0'],
  ])('%s and %d is %s', (address, port, expected) => {
    expect(formatHostPort(address, port)).toBe(expected)
    expect(parseHostPort(expected)).toEqual({ host: address, port })
  })

  it('refuses a bad port or a bracketed address', () => {
    expect(() => formatHostPort('::1', 65536)).toThrow(PortRangeError)
    expect(() => formatHostPort('[::1]', 80)).toThrow(InvalidAddressError)
    expect(() => formatHostPort('', 80)).toThrow(InvalidAddressError)
  })
})

describe('isHostName', () => {
  it.each(['localhost', 'example.com', 'example.com.', 'a', '1host', 'xn--fsq.com', `${'a'.repeat(63)}.com`])(
    '%s is a host name',
    (name) => {
      expect(isHostName(name)).toBe(true)
    },
  )

  it.each([
    '',
    '.',
    'a..b',
    '-a',
    'a-',
    'a_b',
    'a b',
    '1.2.3.4',
    '123',
    `${'a'.repeat(64)}.com`,
    `${'a.'.repeat(127)}com`,
  ])('%j is not', (name) => {
    expect(isHostName(name)).toBe(false)
  })
})
