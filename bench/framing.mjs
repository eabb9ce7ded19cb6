/**
 * 3. Framing decode: core's length framing against it-length-prefixed decoding the very same bytes
 * (4-byte big-endian prefixes, read by it-length-prefixed through its documented `lengthDecoder`
 * option), for 64 B, 1 KiB and 64 KiB frames. The stream is cut into chunks of seeded random sizes
 * between 1 byte and 64 KiB (what a socket's reads look like), the same chunks for both decoders.
 * Both are fed synchronously (it-length-prefixed's `decode` over a sync iterable is its fastest
 * path). The consumer takes each frame as one Uint8Array, which core's decoder delivers and which
 * it-length-prefixed's Uint8ArrayList gives with `subarray()` (a copy only for a frame spanning chunks).
 */
import { lengthFraming } from '@protolab/core'
import { decode } from 'it-length-prefixed'
import { check, resultRow } from './lib/result.mjs'
import { elapsedNs, median, nowNs, seededRandom } from './lib/stats.mjs'

const PREFIX_BYTES = 4
/** Passes before measuring: V8 sizes its heap for 64 KiB allocations over the first few. */
const WARM_UP_PASSES = 3
const MEASURED_PASSES = 9
const MAX_CHUNK_BYTES = 64 * 1024
const SEED = 0x5eed
/** Payload bytes per stream: less for 64 B frames, where it-length-prefixed takes ~10 ns a byte. */
const CASES = [
  { label: '64 B', frameBytes: 64, streamBytes: 8 * 1024 * 1024 },
  { label: '1 KiB', frameBytes: 1024, streamBytes: 32 * 1024 * 1024, minGBps: 1 },
  { label: '64 KiB', frameBytes: 65_536, streamBytes: 32 * 1024 * 1024 },
]
/** it-length-prefixed's lengthDecoder contract: return the length, set `.bytes`, throw RangeError when short. */
function bigEndianLength(list) {
  if (list.byteLength < PREFIX_BYTES) throw new RangeError('need more bytes for the length')
  return list.getUint32(0)
}
bigEndianLength.bytes = PREFIX_BYTES

/** Runs the group; returns its rows. */
export async function run() {
  const rows = []
  for (const testCase of CASES) {
    const { frameBytes, streamBytes } = testCase
    const chunks = buildChunks(frameBytes, streamBytes)
    const expected = { frames: streamBytes / frameBytes, bytes: streamBytes }
    const decoders = { protolab: decodeWithProtolab, itlp: decodeWithItLengthPrefixed, copy: copyEveryFrame }
    const seconds = { protolab: [], itlp: [], copy: [] }
    for (let pass = 0; pass < WARM_UP_PASSES + MEASURED_PASSES; pass++) {
      for (const name of Object.keys(decoders)) {
        const startNs = nowNs()
        decoders[name](chunks, expected)
        if (pass >= WARM_UP_PASSES) seconds[name].push(elapsedNs(startNs) / 1e9)
      }
    }
    const gbPerSec = (name) => streamBytes / median(seconds[name]) / 1e9
    const checks = [check('ratio', '>=', 3)]
    if (testCase.minGBps !== undefined) checks.push(check('value', '>=', testCase.minGBps, 'GB/s'))
    rows.push(
      resultRow({
        name: `length framing decode ${testCase.label} frames`,
        value: gbPerSec('protolab'),
        unit: 'GB/s',
        baseline: 'it-length-prefixed',
        baselineValue: gbPerSec('itlp'),
        checks,
      }),
    )
    if (frameBytes >= MAX_CHUNK_BYTES / 2) {
      rows.push(
        resultRow({
          name: `length framing decode ${testCase.label} vs copy limit`,
          value: gbPerSec('protolab'),
          unit: 'GB/s',
          baseline: 'allocUnsafe + set per frame',
          baselineValue: gbPerSec('copy'),
        }),
      )
    }
  }
  return {
    rows,
    notes: [
      `Framing: ${CASES.map((c) => `${c.streamBytes / 2 ** 20} MiB of ${c.label} frames`).join(', ')} per ` +
        `stream in seeded random chunks of 1 B..64 KiB, median of ${MEASURED_PASSES} passes after ` +
        `${WARM_UP_PASSES} warm-up passes; GB/s of payload (10^9 B/s).`,
    ],
  }
}

/** One stream of length-prefixed frames, cut into chunks at seeded random places. */
function buildChunks(frameBytes, streamBytes) {
  const frames = streamBytes / frameBytes
  const stream = Buffer.allocUnsafe(frames * (PREFIX_BYTES + frameBytes))
  let offset = 0
  for (let i = 0; i < frames; i++) {
    offset = stream.writeUInt32BE(frameBytes, offset)
    stream.fill(i & 0xff, offset, offset + frameBytes)
    offset += frameBytes
  }
  const random = seededRandom(SEED + frameBytes)
  const chunks = []
  for (let start = 0; start < stream.length; ) {
    const end = Math.min(stream.length, start + 1 + Math.floor(random() * MAX_CHUNK_BYTES))
    chunks.push(stream.subarray(start, end))
    start = end
  }
  return chunks
}

function decodeWithProtolab(chunks, expected) {
  const decoder = lengthFraming.createDecoder({ maxFrameBytes: 1024 * 1024 })
  let frames = 0
  let bytes = 0
  const onFrame = (frame) => {
    frames++
    bytes += frame.length
  }
  for (const chunk of chunks) decoder.push(chunk, onFrame)
  decoder.end(onFrame)
  verify('protolab', frames, bytes, expected)
}

function decodeWithItLengthPrefixed(chunks, expected) {
  let frames = 0
  let bytes = 0
  for (const frame of decode(chunks, { lengthDecoder: bigEndianLength, maxDataLength: 1024 * 1024 })) {
    // A message is one Uint8Array, as core's decoder delivers it; subarray() copies only a frame
    // that spans chunks (a Uint8ArrayList of several), as core's decoder does.
    const bytesOfFrame = frame.subarray()
    frames++
    bytes += bytesOfFrame.length
  }
  verify('it-length-prefixed', frames, bytes, expected)
}

/**
 * The floor under any decoder that hands out each frame as one Uint8Array when frames span chunks:
 * allocate the frame and copy its bytes, nothing else (no prefixes read, no chunk boundaries).
 */
function copyEveryFrame(chunks, expected) {
  const frameBytes = expected.bytes / expected.frames
  // The chunks are views of one stream: copy each frame's payload out of that same memory.
  const first = chunks[0]
  const stream = new Uint8Array(
    first.buffer,
    first.byteOffset,
    expected.bytes + expected.frames * PREFIX_BYTES,
  )
  let frames = 0
  let bytes = 0
  for (let i = 0; i < expected.frames; i++) {
    const start = i * (PREFIX_BYTES + frameBytes) + PREFIX_BYTES
    const frame = Buffer.allocUnsafe(frameBytes)
    frame.set(stream.subarray(start, start + frameBytes))
    frames++
    bytes += frame.length
  }
  verify('copy', frames, bytes, expected)
}

function verify(name, frames, bytes, expected) {
  if (frames !== expected.frames || bytes !== expected.bytes) {
    throw new Error(
      `${name} decoded ${frames} frames (${bytes} B), expected ${expected.frames} (${expected.bytes} B)`,
    )
  }
}
