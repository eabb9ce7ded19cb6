/**
 * KCP's claim, checked side by side (issue 16, item 5): its authors say it trades 10-20% more
 * bandwidth for 30-40% lower average latency and a 3x lower maximum latency than TCP.
 *
 * The setup: loss 2% and 5%, delay 20 ms each way, 2,000 messages/s of 64 B, 20,000 messages, the
 * same seed for both, with `runLab` of @protolab/lab on the packet link where it can run (`link:
 * 'auto'`): the kernel's own TCP and protolab's KCP between two namespaces, every packet of either
 * through the same seeded impairer, both ways, so every retransmission is real. Where the packet
 * link cannot run, the relay link: KCP's datagrams impaired, TCP's loss modelled as Linux's recovery.
 *
 * Prints a Markdown table: latency mean, p50, p99 and max (one-way), what was delivered, and the
 * bytes on the wire. KCP's wire bytes are its own count (datagrams, retransmissions and ACKs);
 * TCP's are the kernel's `bytes_sent` of the connection (retransmissions included) where `ss` gave
 * it, else the stream's bytes (a lower bound). Run from the repository root after `pnpm build`:
 * `node bench/kcp-claim.mjs` (a minute or two).
 */
import { runLab } from '@protolab/lab'

const LOSSES = [0.02, 0.05]
const DELAY_MS = 20
const RATE = 2000
const COUNT = 20_000
const SIZE = 64
const SEED = 1
/** TCP's stream, per message: the lab's `length` framing prefix, the envelope header, the payload. */
const TCP_STREAM_BYTES = 4 + 32 + SIZE

/** The mean one-way latency of a trace's delivered messages, in ms. */
function meanMs(trace) {
  let sum = 0
  let n = 0
  for (let seq = 0; seq < trace.count; seq++) {
    const arrived = trace.arrivedAtMs[seq]
    if (Number.isNaN(arrived)) continue
    sum += arrived - trace.sentAtMs[seq]
    n++
  }
  return n === 0 ? Number.NaN : sum / n
}

const ms = (value) => `${value.toFixed(1)} ms`
const rows = []
const summary = []
for (const loss of LOSSES) {
  const report = await runLab({
    transports: ['tcp', 'kcp'],
    count: COUNT,
    size: SIZE,
    rate: RATE,
    seed: SEED,
    trace: true,
    impairment: { loss, delayMs: DELAY_MS },
    link: 'auto',
  })
  if (loss === LOSSES[0]) console.log(`link: ${report.runs[0].link ?? 'proxy'}\n`)
  const [tcp, kcp] = report.runs
  const [tcpTrace, kcpTrace] = report.traces
  const tcpWire = tcp.wireBytes ?? tcp.sent * TCP_STREAM_BYTES
  const tcpWireText =
    tcp.wireBytes === undefined
      ? `≥ ${tcpWire.toLocaleString('en-US')} (stream)`
      : `${tcpWire.toLocaleString('en-US')} (${(tcp.retransmits ?? 0).toLocaleString('en-US')} retransmits)`
  const measured = [
    { run: tcp, mean: meanMs(tcpTrace), wire: tcpWireText },
    {
      run: kcp,
      mean: meanMs(kcpTrace),
      wire: `${kcp.wireBytes.toLocaleString('en-US')} (${kcp.retransmits.toLocaleString('en-US')} retransmits)`,
    },
  ]
  for (const { run, mean, wire } of measured) {
    rows.push(
      `| ${loss * 100}% | ${run.transport} | ${run.delivered.toLocaleString('en-US')} / ${run.sent.toLocaleString('en-US')} | ${ms(mean)} | ${ms(run.latencyMs.p50)} | ${ms(run.latencyMs.p99)} | ${ms(run.latencyMs.max)} | ${wire} |`,
    )
  }
  const tcpMean = measured[0].mean
  const kcpMean = measured[1].mean
  const meanChange = (kcpMean / tcpMean - 1) * 100
  const maxRatio = kcp.latencyMs.max / tcp.latencyMs.max
  summary.push(
    `- loss ${loss * 100}%: KCP's mean latency ${meanChange <= 0 ? `${(-meanChange).toFixed(0)}% lower` : `${meanChange.toFixed(0)}% higher`} than TCP's (claim: 30-40% lower), its max ${maxRatio < 1 ? `${(1 / maxRatio).toFixed(2)}× lower` : `${maxRatio.toFixed(2)}× higher`} (claim: 3× lower), for ${((kcp.wireBytes / tcpWire - 1) * 100).toFixed(0)}% more bytes than TCP (claim: 10-20% more)`,
  )
}
console.log('| loss | transport | delivered | mean | p50 | p99 | max | wire bytes |')
console.log('| ---- | --------- | --------- | ---- | --- | --- | --- | ---------- |')
for (const row of rows) console.log(row)
console.log('')
for (const line of summary) console.log(line)
