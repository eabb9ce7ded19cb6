import { describe, expect, it } from 'vitest'
import { isPort, parsePort, portClass, type ServiceProtocol, serviceName } from '../src/address/index.js'
import { InvalidAddressError, InvalidArgumentError, PortRangeError } from '../src/errors.js'

describe('parsePort', () => {
  it.each([
    ['0', 0],
    ['80', 80],
    ['0080', 80],
    ['65535', 65535],
    [0, 0],
    [8080, 8080],
    [65535, 65535],
  ])('%j is %d', (value, port) => {
    expect(parsePort(value)).toBe(port)
  })

  it.each([
    '65536',
    '-1',
    '-0',
    '99999999999999999999999',
    65536,
    -1,
    1.5,
    Number.NaN,
    Number.POSITIVE_INFINITY,
  ])('%j is out of range', (value) => {
    expect(() => parsePort(value)).toThrow(PortRangeError)
  })

  it.each(['', '80x', '1e3', '0x50', ' 80', '80 ', '+80', '8.0', '٨٠', 'http'])(
    '%j is not a port',
    (value) => {
      expect(() => parsePort(value)).toThrow(InvalidAddressError)
    },
  )

  it('says what is wrong', () => {
    expect(() => parsePort('65536')).toThrow('port 65536 is out of range (0-65535)')
    expect(() => parsePort('80x')).toThrow('port "80x" is not a decimal number from 0 to 65535')
    expect(() => parsePort('')).toThrow('port is empty')
  })

  it('isPort agrees', () => {
    expect(isPort(0)).toBe(true)
    expect(isPort(65535)).toBe(true)
    expect(isPort(65536)).toBe(false)
    expect(isPort('80')).toBe(false)
    expect(isPort(1.5)).toBe(false)
  })
})

describe('portClass', () => {
  it.each([
    [0, 'well-known'],
    [80, 'well-known'],
    [1023, 'well-known'],
    [1024, 'registered'],
    [8080, 'registered'],
    [49151, 'registered'],
    [49152, 'dynamic'],
    [65535, 'dynamic'],
  ])('%d is %s', (port, expected) => {
    expect(portClass(port)).toBe(expected)
  })

  it('refuses a port out of range', () => {
    expect(() => portClass(70000)).toThrow(PortRangeError)
  })
})

describe('serviceName', () => {
  it.each([
    [20, 'ftp-data'],
    [21, 'ftp'],
    [22, 'ssh'],
    [23, 'telnet'],
    [25, 'smtp'],
    [53, 'domain'],
    [67, 'bootps'],
    [68, 'bootpc'],
    [69, 'tftp'],
    [80, 'http'],
    [110, 'pop3'],
    [123, 'ntp'],
    [143, 'imap'],
    [161, 'snmp'],
    [443, 'https'],
    [853, 'domain-s'],
    [993, 'imaps'],
    [995, 'pop3s'],
    [1080, 'socks'],
    [3306, 'mysql'],
    [5201, 'iperf3'],
    [5432, 'postgresql'],
    [6379, 'redis'],
    [8080, 'http-alt'],
  ])('%d is %s', (port, name) => {
    expect(serviceName(port)).toBe(name)
  })

  it.each<[number, ServiceProtocol, string | undefined]>([
    [514, 'udp', 'syslog'],
    [514, 'tcp', 'shell'],
    [53, 'udp', 'domain'],
    [53, 'tcp', 'domain'],
    [67, 'udp', 'bootps'],
    [67, 'tcp', undefined],
    [123, 'tcp', undefined],
    [80, 'udp', undefined],
    [443, 'udp', 'https'],
    [21, 'udp', 'fsp'],
  ])('%d/%s is %s', (port, protocol, name) => {
    expect(serviceName(port, protocol)).toBe(name)
  })

  it('has no name for an unlisted port, and refuses a bad port or protocol', () => {
    expect(serviceName(0)).toBeUndefined()
    expect(serviceName(53122)).toBeUndefined()
    expect(() => serviceName(65536)).toThrow(PortRangeError)
    expect(() => serviceName(80, 'sctp' as ServiceProtocol)).toThrow(InvalidArgumentError)
  })
})
