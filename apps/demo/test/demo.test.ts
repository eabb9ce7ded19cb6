import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { packetLinkSupport } from '@protolab/lab'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url))
if (!existsSync(MAIN))
  throw new Error(`${MAIN} is missing: build first (pnpm build, or cd apps/demo && npx tsup)`)

/** Runs the built demo as `pnpm demo` does, killing it after `timeoutMs`. */
function demo(
  args: readonly string[],
  timeoutMs = 45_000,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk
    })
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk
    })
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  })
}

/** Where the packet link can run, the demo takes it (`link: 'auto'`). */
const support = packetLinkSupport()
const packetLink = support.problem === undefined
if (!packetLink) console.warn(`the demo runs on the relay here: ${support.problem?.message}`)

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'protolab-demo-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('pnpm demo', () => {
  // Two lab runs and, on the packet link, a third act of 3 s of flows: a minute or more when busy.
  it('runs end to end over UDP and TCP: the GB2312 bytes, the table, a reading, the report', {
    timeout: 180_000,
  }, async () => {
    const report = join(dir, 'both.html')
    const result = await demo(['--transport', 'both', '--report', report], 150_000)
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    const out = result.stdout
    expect(out).toContain('udp: 14 bytes c4 e3 ba c3 2c 20 70 72 6f 74 6f 6c 61 62')
    expect(out).toContain('tcp: 14 bytes c4 e3 ba c3 2c 20 70 72 6f 74 6f 6c 61 62')
    expect(out.match(/received from 127\.0\.0\.1:\d+: 你好, protolab/g)).toHaveLength(2)
    expect(out).toMatch(/^\s+udp\s+tcp$/m)
    expect(out).toMatch(/^sent\s+3,000\s+3,000$/m)
    expect(out).toMatch(/^- UDP delivered [\d,]+ of 3,000 messages/m)
    expect(out).toMatch(/^- TCP delivered all 3,000 messages, each once and in order/m)
    expect(out).toContain(`HTML report: ${report}`)
    const html = await readFile(report, 'utf8')
    expect(html).toMatch(/^<!doctype html>/)
    expect(html.match(/<svg class="plot scatter"/g)).toHaveLength(2)
    if (packetLink) {
      // The packet link ran: the TCP figures are the kernel's, and the reading says so.
      expect(out).toMatch(/tcp over the packet link \(the kernel's own TCP\)/)
      expect(out).toMatch(/^packet link: the kernel's own UDP and TCP between two network namespaces/m)
      expect(out).toMatch(
        /^- This was the kernel's own TCP, not a model: its sender retransmitted [\d,]+ segments/m,
      )
      expect(out).not.toMatch(/modelled/)
      // The third act: UDP next to TCP on one bottleneck, and what happened to TCP in one sentence.
      expect(out).toMatch(/^4\. One bottleneck, two flows$/m)
      expect(out).toMatch(/^1 udp\s+30 Mbit\/s/m)
      expect(out).toMatch(
        /^- TCP got \d+% of what crossed the link: .* UDP, which has no congestion control/m,
      )
    } else {
      expect(out).toMatch(/through a relay/)
      expect(out).not.toMatch(/One bottleneck/)
    }
  })

  it('runs one transport alone', { timeout: 60_000 }, async () => {
    const result = await demo(['--transport', 'tcp', '--report', join(dir, 'tcp.html')])
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/^\s+tcp$/m)
    expect(result.stdout).not.toMatch(/^\s+udp/m)
  })

  it('says how to use it when asked for something it does not know', async () => {
    const result = await demo(['--transport', 'sctp'])
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/^demo: --transport is udp, tcp or both, not "sctp"\nusage: pnpm demo/)
  })
})
