import { Option } from 'commander'

/** `--json`: machine-readable output instead of text for people. */
export function jsonOption(description = 'print JSON instead of text'): Option {
  return new Option('--json', description)
}

/** `--raw`: print peer text as it came, control characters included. */
export function rawOption(): Option {
  return new Option(
    '--raw',
    'print peer text as is (by default control characters are shown as \\x1b, \\r, ...)',
  )
}

/** How received payloads reach standard output. */
export const OUTPUT_FORMATS = ['text', 'bytes'] as const

/** `text`: decoded, one line a message with its sender; `bytes`: the payload bytes exactly as received. */
export type OutputFormat = (typeof OUTPUT_FORMATS)[number]

/** `-o, --output text|bytes`: print received messages as text lines, or write their bytes unchanged. */
export function outputOption(description: string): Option {
  return new Option('-o, --output <format>', description).choices(OUTPUT_FORMATS)
}
