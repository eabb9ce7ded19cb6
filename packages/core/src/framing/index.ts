export { frameDatagram, unframeDatagram } from './datagram.js'
export { lengthFraming } from './length.js'
export { lineFraming } from './line.js'
export { rawFraming } from './raw.js'
export { FRAMING_NAMES, getFraming, isFramingName } from './registry.js'
export {
  DEFAULT_MAX_FRAME_BYTES,
  type FrameDecoder,
  type FrameDecoderInit,
  type Framing,
  type FramingName,
} from './types.js'
