import { Option } from 'commander'

/** The encoding text is sent and shown in unless `-e` says otherwise. */
export const DEFAULT_ENCODING = 'utf-8'

/** `-e, --encoding <name>`: any name `protolab encodings` lists; checked when the command runs. */
export function encodingOption(): Option {
  return new Option('-e, --encoding <name>', "text encoding (see 'protolab encodings')").default(
    DEFAULT_ENCODING,
  )
}
