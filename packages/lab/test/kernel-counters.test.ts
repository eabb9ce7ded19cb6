import { existsSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { parseSnmp, parseSnmp6, readNamespaceCounters } from '../src/links/packet/kernel-counters.js'

describe("the kernel's counters the packet link accounts with", () => {
  it('reads /proc/net/snmp as name and value lines, and /proc/net/snmp6 as a pair per line', () => {
    const snmp = parseSnmp('Udp: InDatagrams RcvbufErrors InCsumErrors\nUdp: 10 2 1\n')
    expect(snmp.get('Udp')).toEqual(
      new Map([
        ['InDatagrams', 10],
        ['RcvbufErrors', 2],
        ['InCsumErrors', 1],
      ]),
    )
    const snmp6 = parseSnmp6(
      'Udp6InDatagrams                 \t197187\nUdp6RcvbufErrors \t5\nUdp6InCsumErrors 3\n\n',
    )
    expect(snmp6.get('Udp6RcvbufErrors')).toBe(5)
    expect(snmp6.get('Udp6InCsumErrors')).toBe(3)
    expect(snmp6.size).toBe(3)
  })

  it.skipIf(!existsSync('/proc/self/net/snmp6'))(
    "reads this process's namespace, IPv4's and IPv6's UDP buffer errors together",
    async () => {
      const direct = () =>
        (parseSnmp(readFileSync('/proc/self/net/snmp', 'utf8')).get('Udp')?.get('RcvbufErrors') ?? 0) +
        (parseSnmp6(readFileSync('/proc/self/net/snmp6', 'utf8')).get('Udp6RcvbufErrors') ?? 0)
      const before = direct()
      const counters = await readNamespaceCounters('self')
      const after = direct()
      // The counters only grow: what was read sits between two direct reads.
      expect(counters.udpRcvbufErrors).toBeGreaterThanOrEqual(before)
      expect(counters.udpRcvbufErrors).toBeLessThanOrEqual(after)
      expect(counters.interfaces.has('lo')).toBe(true)
    },
  )
})
