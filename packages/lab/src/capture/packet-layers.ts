import {
  buildPacket,
  type DissectedLayer,
  dissect,
  type LayerName,
  LinkType,
  type PacketEndpoint,
  type PacketField,
} from '@protolab/core'

/** Bytes of one layer and their share of the frame. */
export interface LayerOverhead {
  readonly layer: LayerName
  readonly protocol: string
  readonly bytes: number
  /** Fraction of the frame, 0 to 1. */
  readonly share: number
}

/** How many bytes the headers add around the payload. */
export interface Overhead {
  readonly layers: readonly LayerOverhead[]
  /** Link, network and transport headers together. */
  readonly headerBytes: number
  readonly payloadBytes: number
  readonly totalBytes: number
  /** Payload bytes per frame byte, 0 to 1. */
  readonly payloadShare: number
}

/** What `protolab layers <text>` shows, and prints with `--json`. */
export interface LayersReport {
  readonly transport: 'udp' | 'tcp'
  readonly encoding: string
  readonly text: string
  readonly from: PacketEndpoint
  readonly to: PacketEndpoint
  readonly linkType: number
  /** The frame's length in bytes. */
  readonly length: number
  readonly layers: readonly DissectedLayer[]
  readonly overhead: Overhead
  /** The whole frame in lowercase hex. */
  readonly hex: string
}

/** What to build. */
export interface LayersInput {
  readonly transport: 'udp' | 'tcp'
  readonly text: string
  readonly encoding: string
  readonly payload: Uint8Array
  readonly from: PacketEndpoint
  readonly to: PacketEndpoint
}

/**
 * Builds the frame the message becomes (Ethernet, IP, UDP or TCP) and takes it apart again with
 * core's dissector, so what is shown is read back from the bytes, not echoed from the input.
 */
export function buildLayersReport(input: LayersInput): { report: LayersReport; frame: Uint8Array } {
  const built = buildPacket({
    transport: input.transport,
    from: input.from,
    to: input.to,
    payload: input.payload,
    linkType: LinkType.EN10MB,
  })
  const dissection = dissect(built.frame, built.linkType)
  return {
    frame: built.frame,
    report: {
      transport: input.transport,
      encoding: input.encoding,
      text: input.text,
      from: input.from,
      to: input.to,
      linkType: built.linkType,
      length: built.frame.length,
      layers: dissection.layers,
      overhead: overheadOf(dissection.layers, built.frame.length),
      hex: Buffer.from(built.frame).toString('hex'),
    },
  }
}

/** The bytes each layer adds, and the payload's share of the frame. */
export function overheadOf(layers: readonly DissectedLayer[], totalBytes: number): Overhead {
  const payloadBytes = layers.find((layer) => layer.layer === 'application')?.length ?? 0
  return {
    layers: layers.map((layer) => ({
      layer: layer.layer,
      protocol: layer.protocol,
      bytes: layer.length,
      share: totalBytes === 0 ? 0 : layer.length / totalBytes,
    })),
    headerBytes: totalBytes - payloadBytes,
    payloadBytes,
    totalBytes,
    payloadShare: totalBytes === 0 ? 0 : payloadBytes / totalBytes,
  }
}

/** How big a field is: `4 bits` for a bit field, `2 bytes` otherwise. */
export function fieldSize(field: PacketField): string {
  if (field.mask !== undefined) {
    const bits = popCount(field.mask)
    if (bits < field.length * 8) return bits === 1 ? '1 bit' : `${bits} bits`
  }
  return field.length === 1 ? '1 byte' : `${field.length} bytes`
}

function popCount(mask: number): number {
  let count = 0
  for (let value = mask; value !== 0; value >>>= 1) count += value & 1
  return count
}
