export { canEncode, decodeText, encodeText } from './codec.js'
export { type EncodingInfo, listEncodings, normalizeEncoding } from './encodings.js'
export { escapeControlCharacters } from './escape.js'
export { createTextDecoder, type StreamingTextDecoder } from './text-decoder.js'
