import { InvalidArgumentError } from '../errors.js'
import { lengthFraming } from './length.js'
import { lineFraming } from './line.js'
import { rawFraming } from './raw.js'
import type { Framing, FramingName } from './types.js'

/** Every framing's name, for option parsing and help text. */
export const FRAMING_NAMES: readonly FramingName[] = ['line', 'length', 'raw']

const FRAMINGS: Readonly<Record<FramingName, Framing>> = {
  line: lineFraming,
  length: lengthFraming,
  raw: rawFraming,
}

/** True when `name` is one of {@link FRAMING_NAMES}. */
export function isFramingName(name: string): name is FramingName {
  return (FRAMING_NAMES as readonly string[]).includes(name)
}

/** The framing called `name`; throws InvalidArgumentError (ERR_INVALID_ARGUMENT) for any other name. */
export function getFraming(name: string): Framing {
  if (typeof name !== 'string' || !isFramingName(name)) {
    throw new InvalidArgumentError(`unknown framing "${String(name)}" (expected ${FRAMING_NAMES.join(', ')})`)
  }
  return FRAMINGS[name]
}
