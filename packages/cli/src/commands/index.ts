/**
 * The commands of `protolab`, one line each: every module exports `<name>Command(io): Command`.
 * Keep command modules light: they define flags and help, and import what does the work (sockets,
 * codecs, the lab, and @protolab/core itself, whose bundled codec tables weigh a megabyte) lazily
 * inside their action, so `protolab --help` starts fast. Type-only imports cost nothing. A value
 * only core can read is parsed once the command runs (options/deferred.ts, options/units.ts), and
 * helpers come from their own file, not a folder's index.ts that also re-exports code using core
 * (the bundler would load all of that too). test/startup.test.ts checks the built command.
 */
export { chatCommand } from './chat.js'
export { encodingsCommand } from './encodings.js'
export { ipCommand } from './ip.js'
export { labCommand } from './lab.js'
export { layersCommand } from './layers.js'
export { listenCommand } from './listen.js'
export { ncCommand } from './nc.js'
export { portsCommand } from './ports.js'
export { proxyCommand } from './proxy.js'
export { sendCommand } from './send.js'
