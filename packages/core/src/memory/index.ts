/**
 * `@protolab/core/memory`: the in-memory transport, a Transport with no sockets for examples and
 * tests. Importable without vitest (the compliance suite, `@protolab/core/compliance`, needs it).
 */
export { MEMORY_SEMANTICS, memoryTransport } from './memory-transport.js'
