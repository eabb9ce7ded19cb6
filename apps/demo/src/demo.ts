import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import type { Writable } from 'node:stream'
import {
  chooseLink,
  describeImpairment,
  impairmentFor,
  type LabImpairment,
  type LabOptions,
  renderFlowTable,
  renderTable,
  runFlows,
  runLab,
  writeHtml,
} from '@protolab/lab'
import { createProgressDisplay } from '@protolab/lab/progress'
import pc from 'picocolors'
import type { DemoArgs } from './args.js'
import { BOTTLENECK, BOTTLENECK_FLOWS, BOTTLENECK_RUN, readBottleneck } from './bottleneck.js'
import { exchangeChatLine } from './chat-line.js'
import { toHex } from './hex.js'
import { readRuns } from './reading.js'

/** What the demo writes to and listens to. */
export interface DemoIO {
  readonly stdout: Writable
  readonly stderr: Writable
  /** stdout is a terminal: colours, and a progress bar on stderr. */
  readonly isTTY: boolean
  readonly signal: AbortSignal
}

/** The line the demo chats, and its encoding: the study notes' GB2312. */
export const CHAT_TEXT = '你好, protolab'
export const CHAT_ENCODING = 'gb2312'

/** The demo's impairment: 5% loss, 2% reordering, 10 ± 5 ms of delay. */
export const DEMO_IMPAIRMENT: LabImpairment = { loss: 0.05, reorder: 0.02, delayMs: 10, jitterMs: 5 }
/** The demo's workload: a few thousand messages, about a second per transport, seed 1. */
export const DEMO_WORKLOAD = { count: 3000, size: 64, rate: 3000, seed: 1 } as const

/**
 * The rate on the packet link: its userspace relay path moves a few thousand frames/s on a busy
 * 2-core machine, and past that its own queue, not the impairment, would make UDP's latency.
 */
export const PACKET_LINK_RATE = 1000

/** Where the report goes unless `--report` says otherwise. */
export function defaultReportPath(): string {
  return join(tmpdir(), 'protolab-demo-report.html')
}

/**
 * The guided run: says what it will show, exchanges one GB2312 line over each transport and shows
 * its bytes, runs the lab over the packet link where it can run (else through the impairment
 * relay), prints the table and what it means, and
 * writes the HTML report.
 */
export async function runDemo(args: DemoArgs, io: DemoIO): Promise<void> {
  const color = pc.createColors(io.isTTY)
  const say = (text = ''): void => {
    io.stdout.write(`${text}\n`)
  }
  const names = args.transports.map((t) => t.toUpperCase()).join(' and ')
  // The packet link where it can run: the kernel's own TCP meets the impairment, packet by packet.
  const { link } = chooseLink({ transports: args.transports, link: 'auto', impairment: DEMO_IMPAIRMENT })
  // On the relay, reordering is done to datagrams only: a TCP-only run leaves it out rather than be refused.
  const { reorder, ...streamImpairment } = DEMO_IMPAIRMENT
  const impairment: LabImpairment =
    link === 'packet' || args.transports.includes('udp') ? DEMO_IMPAIRMENT : streamImpairment
  const relayDoes = [
    `loses ${percent(impairment.loss)}`,
    ...(impairment.reorder === undefined ? [] : [`reorders ${percent(impairment.reorder)}`]),
    `delays ${impairment.delayMs}±${impairment.jitterMs} ms`,
  ]
  const relayDoesText = `${relayDoes.slice(0, -1).join(', ')} and ${relayDoes.at(-1)}`
  say(color.bold('protolab demo'))
  say(
    `This shows what ${names} ${args.transports.length === 1 ? 'does' : 'do'} to your messages on one machine:`,
  )
  say(`  1. one chat line in GB2312 over a real socket on 127.0.0.1, byte by byte;`)
  const path =
    link === 'packet'
      ? `between two network namespaces, every packet of the kernel's own ${names} through an impairer that`
      : 'through a relay that'
  say(
    `  2. ${DEMO_WORKLOAD.count.toLocaleString('en-US')} numbered messages ${path} ${relayDoesText} (seed ${DEMO_WORKLOAD.seed}), every one accounted for;`,
  )
  say('  3. the numbers side by side, what they mean, and an HTML report with plots.')
  // UDP next to TCP on one bottleneck needs the packet link: only there is one queue shared.
  const bottleneck = link === 'packet' && args.transports.length === 2
  if (bottleneck) say('  4. one UDP flow and one TCP flow at once through one 20 Mbit/s bottleneck.')
  say()

  say(color.bold(`1. "${CHAT_TEXT}" in ${CHAT_ENCODING.toUpperCase()}`))
  for (const transport of args.transports) {
    const line = await exchangeChatLine(transport, CHAT_TEXT, CHAT_ENCODING)
    const wire =
      transport === 'udp'
        ? `one ${line.wireBytes}-byte datagram`
        : `${line.wireBytes} bytes of a stream (the line and its \\n: TCP keeps no message boundaries)`
    say(`   ${transport}: ${line.bytes.length} bytes ${color.cyan(toHex(line.bytes))}`)
    say(`        sent as ${wire} to ${line.listener}; received from ${line.from}: ${line.received}`)
  }
  say()

  const workload = link === 'packet' ? { ...DEMO_WORKLOAD, rate: PACKET_LINK_RATE } : DEMO_WORKLOAD
  const options: LabOptions = { transports: args.transports, ...workload, impairment, trace: true, link }
  say(color.bold('2. The lab'))
  for (const transport of args.transports) {
    if (link === 'packet') {
      // Every packet, data and ACKs alike, meets the same datagram impairment.
      const applied = describeImpairment({
        transport: 'udp',
        impairment: impairmentFor('udp', impairment) ?? null,
      })
      say(
        `   ${transport} over the packet link (the kernel's own ${transport.toUpperCase()}), every packet: ${applied}`,
      )
    } else {
      const applied = impairmentFor(transport, impairment) ?? null
      say(`   ${transport} through a relay: ${describeImpairment({ transport, impairment: applied })}`)
    }
  }
  const progress = createProgressDisplay(io.stderr, io.isTTY)
  let report: Awaited<ReturnType<typeof runLab>>
  try {
    report = await runLab(options, {
      signal: io.signal,
      onProgress: progress.onProgress,
      onListening: ({ transport }) => say(`   running ${transport}...`),
      onLink: (transport) => say(`   running ${transport}...`),
    })
  } finally {
    progress.stop()
  }
  say()

  say(color.bold('3. What happened'))
  io.stdout.write(renderTable(report.runs, { color: io.isTTY, notes: report.notes ?? [] }))
  say()
  for (const line of readRuns(report.runs)) say(`- ${line}`)
  say()
  const reportPath = resolve(args.report ?? defaultReportPath())
  await writeHtml(reportPath, report, {
    command: `pnpm demo --transport ${args.transports.length === 2 ? 'both' : args.transports[0]}`,
    notes: report.notes ?? [],
  })
  say(`HTML report: ${reportPath}`)
  if (!bottleneck) return
  say()

  say(color.bold('4. One bottleneck, two flows'))
  say('   UDP at 30 Mbit/s and TCP as fast as it can, for 3 s, through 20 Mbit/s with a 100-packet queue...')
  const { run } = await runFlows(
    { plan: { flows: BOTTLENECK_FLOWS }, link: 'packet', impairment: BOTTLENECK, ...BOTTLENECK_RUN },
    { signal: io.signal },
  )
  io.stdout.write(renderFlowTable(run, { color: io.isTTY }))
  say()
  say(`- ${readBottleneck(run)}`)
}

function percent(fraction: number | undefined): string {
  return `${Number(((fraction ?? 0) * 100).toFixed(2))}%`
}
