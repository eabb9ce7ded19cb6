export { idleTimeoutOption, maxConnectionsOption } from './limits.js'
export { type AccessFlags, accessOptions } from './options.js'
