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
