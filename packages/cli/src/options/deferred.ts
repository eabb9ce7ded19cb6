import type { Command, Option } from 'commander'

/** Turns what commander collected for a flag into the flag's value, maybe loading code to do it. */
export type DeferredParser<Raw, Value> = (raw: Raw) => Value | Promise<Value>

const parsers = new WeakMap<Option, (raw: unknown) => unknown>()

/**
 * Gives `option` a parser that runs after the command line was read, just before the command's
 * action ({@link parseDeferredOptions}), where commander's `argParser` would run while reading it.
 * For values only @protolab/core can read: a command loads core when it runs, never to show
 * `--help`. A bad value is still bad usage (exit code 2) before the command does anything.
 * `Raw` is what commander collected: the text, or what the option's own `argParser` made of it.
 */
export function deferParse<Raw = string, Value = unknown>(
  option: Option,
  parse: DeferredParser<Raw, Value>,
): Option {
  parsers.set(option, parse as (raw: unknown) => unknown)
  return option
}

/**
 * Runs the deferred parsers of the flags given to `command` on the command line (or the
 * environment), in the order the command defines them, replacing each value with the parsed one.
 * @throws whatever a parser throws (a UsageError or core's InvalidArgumentError: bad usage)
 */
export async function parseDeferredOptions(command: Command): Promise<void> {
  for (const option of command.options) {
    const parse = parsers.get(option)
    const key = option.attributeName()
    const source = command.getOptionValueSource(key)
    // Defaults and implied values are written as values already, not as text to parse.
    if (parse === undefined || (source !== 'cli' && source !== 'env')) continue
    command.setOptionValueWithSource(key, await parse(command.getOptionValue(key)), source)
  }
}
