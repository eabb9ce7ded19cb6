export { CliError, reportError, UsageError } from './errors.js'
export type { CliIO } from './io.js'
export * from './lab/index.js'
export { runCli } from './main.js'
