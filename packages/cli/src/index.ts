/**
 * @packageDocumentation
 * The `protolab` command as a function, for programs that want to run it in-process. The lab
 * itself is a library of its own: `@protolab/lab`.
 */
export { CliError, reportError, UsageError } from './errors.js'
export type { CliIO } from './io.js'
export { runCli } from './main.js'
