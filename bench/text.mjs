/**
 * 4. Text: core's `encodeText` / `decodeText` / `createTextDecoder` against what Node has built in,
 * on 1 KiB chat messages of Chinese and ASCII (from the study notes), all GB2312-encodable:
 * UTF-8 against TextEncoder, TextDecoder and Buffer; GB2312 decode against TextDecoder('gb2312')
 * (ICU); GB2312 encode against iconv-lite called directly, since Node has no GB2312 encoder.
 * Streaming decoders get the messages as one stream cut at seeded random places, mid-character too.
 */
import { createTextDecoder, decodeText, encodeText } from '@protolab/core'
import iconv from 'iconv-lite'
import { resultRow } from './lib/result.mjs'
import { elapsedNs, median, nowNs, seededRandom } from './lib/stats.mjs'

const SENTENCES = [
  '端口是用来区分进程的，端口号只有整数，范围是从0到65535。',
  '知名端口号是众所周知的端口号，范围从0到1023，80端口分配给HTTP服务，21端口分配给FTP服务。',
  'udp快速，但是不稳定，有可能丢失数据；tcp可靠，但是要先建立连接。',
  '4层划分：链路层(网络接口层) → 网络层(网际层) → 传输层 → 应用层。',
  'IP中每个数字是一个字节，一个字节占8位。IP最后一个字节不能用0或者255。',
  'recvfrom(1024)表示本次接收的最大字节数, 收发可以同时进行: 全双工。',
]
const MESSAGE_UTF8_BYTES = 1024
const MESSAGES = 64
const SEED = 0x7e47
/** Each window loops over the messages for about this long (and at most MAX_PASSES times). */
const MEASURE_MS = 10
/** Windows per side: the first WARM_UP_ROUNDS let V8 optimise both sides and are not counted. */
const WARM_UP_ROUNDS = 3
const ROUNDS = 15
const MAX_PASSES = 100_000

/** Runs the group; returns its rows. */
export async function run() {
  const texts = buildMessages()
  const utf8 = texts.map((text) => Buffer.from(text, 'utf8'))
  const gb2312 = texts.map((text) => Buffer.from(iconv.encode(text, 'gb2312')))
  const utf8Stream = cutStream(utf8)
  const gbStream = cutStream(gb2312)
  const bytesOf = (buffers) => buffers.reduce((sum, b) => sum + b.length, 0)
  const textEncoder = new TextEncoder()
  const utf8Decoder = new TextDecoder('utf-8')
  const gbDecoder = new TextDecoder('gb2312')

  const comparisons = [
    {
      name: 'text UTF-8 encode (encodeText)',
      bytes: bytesOf(utf8),
      protolab: () => sum(texts, (t) => encodeText(t, 'utf-8').length),
      baseline: ['TextEncoder.encode', () => sum(texts, (t) => textEncoder.encode(t).length)],
    },
    {
      name: 'text UTF-8 encode (encodeText)',
      bytes: bytesOf(utf8),
      protolab: () => sum(texts, (t) => encodeText(t, 'utf-8').length),
      baseline: ['Buffer.from(text, "utf8")', () => sum(texts, (t) => Buffer.from(t, 'utf8').length)],
    },
    {
      name: 'text UTF-8 decode (decodeText)',
      bytes: bytesOf(utf8),
      protolab: () => sum(utf8, (b) => decodeText(b, 'utf-8').length),
      baseline: ['TextDecoder.decode', () => sum(utf8, (b) => utf8Decoder.decode(b).length)],
    },
    {
      name: 'text UTF-8 decode (decodeText)',
      bytes: bytesOf(utf8),
      protolab: () => sum(utf8, (b) => decodeText(b, 'utf-8').length),
      baseline: ['Buffer#toString("utf8")', () => sum(utf8, (b) => b.toString('utf8').length)],
    },
    {
      name: 'text UTF-8 streaming decode, random cuts',
      bytes: bytesOf(utf8),
      protolab: () => streamWith(createTextDecoder('utf-8'), utf8Stream),
      baseline: [
        'TextDecoder stream: true',
        () => streamWithTextDecoder(new TextDecoder('utf-8'), utf8Stream),
      ],
    },
    {
      name: 'text GB2312 encode (encodeText)',
      bytes: bytesOf(gb2312),
      protolab: () => sum(texts, (t) => encodeText(t, 'gb2312').length),
      baseline: ['iconv-lite encode (no native)', () => sum(texts, (t) => iconv.encode(t, 'gb2312').length)],
    },
    {
      name: 'text GB2312 decode (decodeText)',
      bytes: bytesOf(gb2312),
      protolab: () => sum(gb2312, (b) => decodeText(b, 'gb2312').length),
      baseline: ['TextDecoder("gb2312")', () => sum(gb2312, (b) => gbDecoder.decode(b).length)],
    },
    {
      name: 'text GB2312 streaming decode, random cuts',
      bytes: bytesOf(gb2312),
      protolab: () => streamWith(createTextDecoder('gb2312'), gbStream),
      baseline: [
        'TextDecoder("gb2312") stream: true',
        () => streamWithTextDecoder(new TextDecoder('gb2312'), gbStream),
      ],
    },
  ]

  const rows = []
  for (const comparison of comparisons) {
    const [baselineName, baseline] = comparison.baseline
    checkSameOutput(comparison.name, comparison.protolab(), baseline())
    const samples = { protolab: [], baseline: [] }
    // Short windows, taking turns (and turns about who goes first), so a burst of load from
    // elsewhere on the machine hits both sides alike; the median drops the windows it spoiled.
    for (let round = 0; round < WARM_UP_ROUNDS + ROUNDS; round++) {
      const order = round % 2 === 0 ? ['protolab', 'baseline'] : ['baseline', 'protolab']
      for (const side of order) {
        const rate = bytesPerSecond(side === 'protolab' ? comparison.protolab : baseline, comparison.bytes)
        if (round >= WARM_UP_ROUNDS) samples[side].push(rate)
      }
    }
    rows.push(
      resultRow({
        name: comparison.name,
        value: median(samples.protolab) / 1e6,
        unit: 'MB/s',
        baseline: baselineName,
        baselineValue: median(samples.baseline) / 1e6,
      }),
    )
  }
  return {
    rows,
    notes: [
      `Text: ${MESSAGES} messages of ~${MESSAGE_UTF8_BYTES} B (UTF-8) of Chinese and ASCII; MB/s of encoded ` +
        `bytes (10^6 B/s), each figure the median of ${ROUNDS} windows of ~${MEASURE_MS} ms taking turns with the baseline, after ${WARM_UP_ROUNDS} warm-up windows. No targets: ` +
        'these rows show what protolab adds around the codecs.',
    ],
  }
}

function buildMessages() {
  const random = seededRandom(SEED)
  const messages = []
  for (let m = 0; m < MESSAGES; m++) {
    let text = `#${m} `
    while (Buffer.byteLength(text) < MESSAGE_UTF8_BYTES) {
      text += SENTENCES[Math.floor(random() * SENTENCES.length)]
    }
    messages.push(text)
  }
  return messages
}

/** All messages as one stream, cut into pieces of 1..600 bytes at seeded random places. */
function cutStream(buffers) {
  const stream = Buffer.concat(buffers)
  const random = seededRandom(SEED + stream.length)
  const pieces = []
  for (let start = 0; start < stream.length; ) {
    const end = Math.min(stream.length, start + 1 + Math.floor(random() * 600))
    pieces.push(stream.subarray(start, end))
    start = end
  }
  return pieces
}

function sum(items, measure) {
  let total = 0
  for (const item of items) total += measure(item)
  return total
}

function streamWith(decoder, pieces) {
  let characters = 0
  for (const piece of pieces) characters += decoder.write(piece).length
  return characters + decoder.end().length
}

function streamWithTextDecoder(decoder, pieces) {
  let characters = 0
  for (const piece of pieces) characters += decoder.decode(piece, { stream: true }).length
  return characters + decoder.decode().length
}

/** Both sides must produce the same amount of text (or bytes): otherwise the race is not the same race. */
function checkSameOutput(name, ours, theirs) {
  if (ours !== theirs) throw new Error(`${name}: protolab produced ${ours}, the baseline ${theirs}`)
}

/** Runs `pass` (which handles `bytes` bytes) repeatedly for ~MEASURE_MS; returns bytes per second. */
function bytesPerSecond(pass, bytes) {
  const startNs = nowNs()
  let passes = 0
  let sink = 0
  do {
    sink += pass()
    passes++
  } while (passes < MAX_PASSES && elapsedNs(startNs) < MEASURE_MS * 1e6)
  if (sink < 0) throw new Error('unreachable: keeps the results alive')
  return (passes * bytes) / (elapsedNs(startNs) / 1e9)
}
