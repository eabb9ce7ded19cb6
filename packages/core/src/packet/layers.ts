/** The four layers of the TCP/IP model, as packets are shown. */
export type LayerName = 'link' | 'network' | 'transport' | 'application'

/** Where one layer's own bytes sit in a frame. */
export interface LayerSpan {
  readonly layer: LayerName
  /** `Ethernet II`, `IPv4`, `UDP`, `Data`, ... */
  readonly protocol: string
  /** Offset of the layer's first byte in the frame. */
  readonly offset: number
  /** The layer's own bytes: its header (for the application layer, the payload). */
  readonly length: number
}
