/** `--allow` and `--deny` for listeners: defined once, in src/access. */
export { type AccessFlags, accessOptions } from '../access/options.js'
