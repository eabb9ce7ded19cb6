import { describe, expect, it } from 'vitest'
import {
  describeKernelImpairment,
  impairmentOfRun,
  kernelImpairmentOf,
} from '../src/links/kernel/impairment.js'
import { linkNames, ownerOf } from '../src/links/kernel/names.js'
import {
  iptablesLossCommands,
  netemArgs,
  nftLossScript,
  parseNftCounterPackets,
  tbfArgs,
  tcCommands,
} from '../src/links/kernel/rules.js'
import { kernelLinkProblem } from '../src/links/kernel/support.js'
import { parseSsTcpInfo } from '../src/links/kernel/tcp-info.js'

// What `ss -tinH` printed for connections on Linux 6.x (iproute2 6.1), copied as is.
const SS_WITH_RETRANSMITS = `ESTAB 0      473808 10.77.0.1:40266 10.77.0.2:9000
\t bbr wscale:10,10 rto:212 backoff:1 rtt:9.455/16.096 mss:1448 pmtu:1500 rcvmss:536 advmss:1448 cwnd:156 ssthresh:138 bytes_sent:1708640 bytes_retrans:4344 bytes_acked:1526193 segs_out:1182 segs_in:684 data_segs_out:1180 bbr:(bw:492936104bps,mrtt:0.003,pacing_gain:1.25,cwnd_gain:2) send 191126811bps lastsnd:156 lastrcv:1296 lastack:372 pacing_rate 610008432bps delivery_rate 265176bps delivered:1057 busy:1296ms retrans:0/3 dsack_dups:2 reord_seen:3 rcv_space:14480 rcv_ssthresh:64088 notsent:473808 minrtt:0.003 snd_wnd:1716224
`
const SS_CLEAN = `0      0      127.0.0.1:52128 127.0.0.1:39815
\t ts sack cubic wscale:10,10 rto:204 rtt:0.108/0.146 mss:47616 pmtu:65535 rcvmss:536 advmss:65483 cwnd:13 bytes_sent:100000 bytes_acked:100001 segs_out:5 segs_in:3 data_segs_out:3 send 45852444444bps lastsnd:208 lastrcv:212 lastack:208 pacing_rate 182573458280bps delivery_rate 1346035328bps delivered:4 reordering:7 rcv_space:65495 rcv_ssthresh:65495 minrtt:0.041 snd_wnd:93184
`

describe('ss -ti parsing', () => {
  it('reads total retransmits, smoothed RTT, its variation, cwnd and the bytes sent', () => {
    expect(parseSsTcpInfo(SS_WITH_RETRANSMITS)).toEqual({
      retransmits: 3,
      rttMs: 9.455,
      rttVarMs: 16.096,
      cwnd: 156,
      congestionControl: 'bbr',
      bytesRetransmitted: 4344,
      bytesSent: 1708640,
    })
  })

  it('reads the segments not yet acknowledged (unacked), absent when ss shows none', () => {
    const line = SS_WITH_RETRANSMITS.replace('retrans:0/3', 'unacked:4 retrans:0/3')
    expect(parseSsTcpInfo(line)?.unacked).toBe(4)
    expect(parseSsTcpInfo(SS_CLEAN)?.unacked).toBeUndefined()
  })

  it('takes no retrans field as zero retransmits, and skips the option words before the algorithm', () => {
    expect(parseSsTcpInfo(SS_CLEAN)).toMatchObject({
      retransmits: 0,
      rttMs: 0.108,
      cwnd: 13,
      congestionControl: 'cubic',
      bytesSent: 100000,
    })
  })

  it('reads the info line alone, without the socket line', () => {
    const infoLine = SS_WITH_RETRANSMITS.split('\n')[1] ?? ''
    expect(parseSsTcpInfo(infoLine)?.retransmits).toBe(3)
  })

  it('gives undefined when ss found no connection or printed no TCP info', () => {
    expect(parseSsTcpInfo('')).toBeUndefined()
    expect(parseSsTcpInfo('TIME-WAIT 0 0 10.0.0.1:1 10.0.0.2:2\n')).toBeUndefined()
    expect(parseSsTcpInfo('\t rtt:abc cwnd:1')).toBeUndefined()
  })
})

describe('kernel link impairment', () => {
  it('maps loss, rate and netem features, each off unless asked for', () => {
    expect(kernelImpairmentOf({})).toEqual({ loss: 0, rateLimitBytesPerSec: undefined, netem: undefined })
    expect(kernelImpairmentOf({ loss: 0.1, rateLimitBytesPerSec: 125_000 })).toEqual({
      loss: 0.1,
      rateLimitBytesPerSec: 125_000,
      netem: undefined,
    })
    expect(kernelImpairmentOf({ delayMs: 10, jitterMs: 5, reorder: 0.02 }).netem).toEqual({
      delayMs: 10,
      jitterMs: 5,
      reorder: 0.02,
      reorderGap: 1,
      duplicate: 0,
      corrupt: 0,
    })
  })

  it('refuses what only the relay can do, naming the flags and the proxy link', () => {
    for (const impairment of [
      { sliceBytes: 1 },
      { stallMs: 100, stallEveryBytes: 1000 },
      { resetProbability: 0.1 },
      { loss: 0.1, lossModel: 'gilbert' as const },
    ]) {
      expect(() => kernelImpairmentOf(impairment)).toThrow(/proxy link only/)
    }
    expect(() => kernelImpairmentOf({ loss: 0.1, lossModel: 'random' })).not.toThrow()
  })

  it('refuses netem reordering without a delay, which netem needs', () => {
    expect(() => kernelImpairmentOf({ reorder: 0.1 })).toThrow(/needs --delay/)
  })

  it('describes what does what, and reports the impairment in core field names', () => {
    const kernel = kernelImpairmentOf({ loss: 0.1, rateLimitBytesPerSec: 125_000 })
    expect(describeKernelImpairment(kernel, 'nftables')).toBe(
      'loss 10% by nftables, rate 1 Mbit/s by tc tbf, each way',
    )
    expect(impairmentOfRun(kernel)).toEqual({ loss: 0.1, rateLimitBytesPerSec: 125_000 })
    expect(impairmentOfRun(kernelImpairmentOf({}))).toBeNull()
  })
})

describe('kernel link commands', () => {
  it('drops a share of arrivals with nftables numgen, sparing the control port', () => {
    const script = nftLossScript('plab', 'plab-a', 0.1, 5301)
    expect(script).toContain('table inet plab {')
    expect(script).toContain('type filter hook prerouting priority raw; policy accept;')
    expect(script).toContain('iifname "plab-a" tcp dport 5301 accept')
    expect(script).toContain('iifname "plab-a" tcp sport 5301 accept')
    expect(script).toContain(
      'iifname "plab-a" meta l4proto udp numgen random mod 1000000 < 100000 counter name "udp_drops" drop',
    )
    expect(script).toContain('iifname "plab-a" meta l4proto != udp numgen random mod 1000000 < 100000 drop')
    expect(script).toContain('counter udp_drops { }')
    // The accepts come before the drops.
    expect(script.lastIndexOf(' accept')).toBeLessThan(script.indexOf(' drop'))
  })

  it("reads the packets of nft's JSON counter listing, and nothing from other output", () => {
    const listing =
      '{"nftables": [{"metainfo": {"version": "1.0.6", "json_schema_version": 1}}, {"counter": {"family": "inet", "name": "udp_drops", "table": "plab", "handle": 2, "packets": 22, "bytes": 660}}]}'
    expect(parseNftCounterPackets(listing)).toBe(22)
    expect(parseNftCounterPackets('{"nftables": [{"metainfo": {}}]}')).toBeUndefined()
    expect(parseNftCounterPackets('Error: No such file or directory')).toBeUndefined()
    expect(parseNftCounterPackets('null')).toBeUndefined()
  })

  it('does the same with iptables statistic in the raw table', () => {
    const commands = iptablesLossCommands('plab-b', 0.025, 5301)
    expect(commands.at(-1)).toEqual([
      '-t',
      'raw',
      '-A',
      'PREROUTING',
      '-i',
      'plab-b',
      '-m',
      'statistic',
      '--mode',
      'random',
      '--probability',
      '0.025000',
      '-j',
      'DROP',
    ])
    expect(commands).toHaveLength(3)
  })

  it('shapes with tbf alone, or tbf under netem', () => {
    expect(tbfArgs(125_000)).toEqual(['rate', '1000000bit', 'burst', '4096', 'latency', '1000ms'])
    expect(tbfArgs(12_500_000)).toEqual(['rate', '100000000bit', 'burst', '125000', 'latency', '1000ms'])
    expect(tcCommands('plab-a', kernelImpairmentOf({ rateLimitBytesPerSec: 125_000 }))).toEqual([
      ['qdisc', 'add', 'dev', 'plab-a', 'root', 'handle', '10:', 'tbf', ...tbfArgs(125_000)],
    ])
    const both = tcCommands('plab-a', kernelImpairmentOf({ delayMs: 10, rateLimitBytesPerSec: 125_000 }))
    expect(both[0]).toEqual([
      'qdisc',
      'add',
      'dev',
      'plab-a',
      'root',
      'handle',
      '1:',
      'netem',
      'delay',
      '10ms',
    ])
    expect(both[1]?.slice(0, 8)).toEqual(['qdisc', 'add', 'dev', 'plab-a', 'parent', '1:1', 'handle', '10:'])
    expect(tcCommands('plab-a', kernelImpairmentOf({ loss: 0.1 }))).toEqual([])
  })

  it('writes netem arguments as tc takes them', () => {
    const netem = kernelImpairmentOf({
      delayMs: 10,
      jitterMs: 5,
      reorder: 0.02,
      duplicate: 0.01,
      corrupt: 0.001,
    }).netem
    expect(netem && netemArgs(netem)).toEqual([
      'delay',
      '10ms',
      '5ms',
      'reorder',
      '2%',
      'gap',
      '1',
      'duplicate',
      '1%',
      'corrupt',
      '0.1%',
    ])
  })
})

describe('kernel link names', () => {
  it('carries the prefix and the owner pid, and finds the owner again', () => {
    const names = linkNames(4_194_304, 12)
    expect(names.senderNamespace).toBe('plab-4194304-12-a')
    expect(names.receiverNamespace).toBe('plab-4194304-12-b')
    expect(ownerOf(names.senderNamespace)).toBe(4_194_304)
    expect(ownerOf('plab-x')).toBeUndefined()
    expect(ownerOf('other-1-1-a')).toBeUndefined()
    // Device names live inside the namespaces and fit Linux's 15 characters.
    expect(names.senderDevice.length).toBeLessThanOrEqual(15)
  })
})

describe('where the kernel link can run', () => {
  const path = '/usr/local/bin:/usr/bin:/bin'

  it('off Linux: an invalid argument', () => {
    const problem = kernelLinkProblem({ platform: 'darwin', uid: 501, path }, true)
    expect(problem?.code).toBe('ERR_INVALID_ARGUMENT')
    expect(problem?.reason).toBe('kernel-link-platform')
    expect(problem?.message).toBe('--link kernel needs Linux network namespaces, and this is darwin')
  })

  it('without root: a lack of privilege', () => {
    const problem = kernelLinkProblem({ platform: 'linux', uid: 1000, path }, true)
    expect(problem?.code).toBe('ERR_PRIVILEGE')
    expect(problem?.reason).toBe('kernel-link-root')
    expect(problem?.message).toMatch(/needs root/)
  })

  it('without the tools: names each missing one', () => {
    const problem = kernelLinkProblem({ platform: 'linux', uid: 0, path: '/nonexistent' }, true)
    expect(problem?.code).toBe('ERR_UNSUPPORTED')
    expect(problem?.reason).toBe('kernel-link-tools')
    expect(problem?.message).toBe('--link kernel needs ip, tc and nft (or iptables), which are not installed')
    // Without --loss, neither nft nor iptables is needed.
    expect(kernelLinkProblem({ platform: 'linux', uid: 0, path: '/nonexistent' }, false)?.message).toBe(
      '--link kernel needs ip and tc, which are not installed',
    )
  })
})
