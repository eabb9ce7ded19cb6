import iconv from 'iconv-lite'
import { InvalidArgumentError, UnknownEncodingError } from '../errors.js'

/** One supported encoding: its canonical name and every other name that selects it. */
export interface EncodingInfo {
  /** The canonical name, as {@link normalizeEncoding} returns it (`utf-8`, `gb2312`, `shift_jis`, ...). */
  readonly name: string
  /** Other accepted names, in iconv-lite's folded form (lowercase letters and digits only). */
  readonly aliases: readonly string[]
}

/** An encoding name resolved to what implements it. */
export type ResolvedEncoding = Utf8Encoding | IconvEncoding

/** UTF-8 is decoded and encoded by Node itself (TextDecoder, Buffer), much faster than iconv-lite. */
export interface Utf8Encoding {
  readonly name: 'utf-8'
  readonly isUtf8: true
}

/** Every other encoding goes through its iconv-lite codec. */
export interface IconvEncoding {
  /** The canonical name. */
  readonly name: string
  readonly isUtf8: false
  /** The key of the codec in iconv-lite's table. */
  readonly codecKey: string
  readonly codec: iconv.Codec
}

/** Resolved without loading iconv-lite's tables, so the default encoding costs nothing at startup. */
const UTF8: Utf8Encoding = { name: 'utf-8', isUtf8: true }
const UTF8_FOLDED_NAMES = new Set(['utf8', 'unicode11utf8'])

/**
 * Names shown for the encodings people ask for, in the order `listEncodings` puts them first.
 * Any other encoding is named by a rule in {@link displayNameOf}.
 */
const PREFERRED_NAMES = [
  'utf-8',
  'utf-16le',
  'utf-16be',
  'utf-16',
  'utf-32le',
  'utf-32be',
  'utf-32',
  'gb2312',
  'gbk',
  'gb18030',
  'big5',
  'shift_jis',
  'euc-jp',
  'euc-kr',
  'latin1',
  'ascii',
  'koi8-r',
  'koi8-u',
  'utf-7',
  'utf-7-imap',
  'cesu-8',
] as const

/** How iconv-lite folds a name before looking it up: lowercase, letters and digits only, no `:YYYY` suffix. */
function foldName(name: string): string {
  return name.toLowerCase().replace(/:\d{4}$|[^0-9a-z]/g, '')
}

interface EncodingTable {
  /** Folded name -> key of the codec (group) it selects. */
  readonly groupOf: ReadonlyMap<string, string>
  /** Codec key -> every folded name that selects it, in table order. */
  readonly namesOf: ReadonlyMap<string, readonly string[]>
}

let table: EncodingTable | undefined

/**
 * Indexes iconv-lite's table without building any codec (so it stays cheap at startup): names are
 * chained aliases ending at an options object or a codec function, and iconv-lite caches one codec
 * per first non-alias key of the chain. That key identifies the encoding.
 */
function encodingTable(): EncodingTable {
  if (table !== undefined) return table
  iconv.getCodec('utf8') // loads iconv.encodings
  const raw = iconv.encodings as Record<string, unknown> | null
  if (raw === null) throw new Error('iconv-lite did not load its encodings table')
  const groupOf = new Map<string, string>()
  const namesOf = new Map<string, string[]>()
  for (const name of Object.keys(raw)) {
    if (name.startsWith('_')) continue // iconv-lite's internal codec bases
    let key = name
    // Alias chains in the table are a few links long; the bound only guards against a cycle.
    for (let hops = 0; hops < 16 && typeof raw[key] === 'string'; hops++) key = raw[key] as string
    const definition = raw[key]
    if (typeof definition !== 'object' && typeof definition !== 'function') continue
    groupOf.set(name, key)
    const names = namesOf.get(key)
    if (names === undefined) namesOf.set(key, [name])
    else names.push(name)
  }
  table = { groupOf, namesOf }
  return table
}

/** The name an encoding (a group of folded names) is shown by. */
function displayNameOf(names: readonly string[], codecKey: string): string {
  for (const preferred of PREFERRED_NAMES) if (names.includes(foldName(preferred))) return preferred
  for (const name of names) {
    const iso = /^iso8859(\d+)$/.exec(name)
    if (iso) return `iso-8859-${iso[1]}`
    const windows = /^windows(\d+)$/.exec(name)
    if (windows) return `windows-${windows[1]}`
  }
  const codePage = names.find((name) => /^cp\d+$/.test(name))
  if (codePage !== undefined) return codePage
  if (!/^\d+$/.test(codecKey)) return codecKey
  return names.find((name) => !/^\d+$/.test(name)) ?? codecKey
}

/** Codec key -> whether the codec builds and round-trips 'abc' (some table entries, like hex, are not text). */
const works = new Map<string, boolean>()
const resolved = new Map<string, IconvEncoding>()
const resolvedByExactName = new Map<string, ResolvedEncoding>()
/** Bounds the exact-name cache, since spellings (unlike folded names) are unlimited. */
const EXACT_NAME_CACHE_SIZE = 64

function codecWorks(codecKey: string): boolean {
  let ok = works.get(codecKey)
  if (ok === undefined) {
    try {
      ok = iconv.decode(iconv.encode('abc', codecKey), codecKey) === 'abc'
    } catch {
      ok = false
    }
    works.set(codecKey, ok)
  }
  return ok
}

/**
 * Resolves any accepted spelling of an encoding (`UTF8`, `utf-8`, `GB_2312`, `Shift-JIS`, `cp936`).
 * Throws UnknownEncodingError (ERR_UNKNOWN_ENCODING) for a name iconv-lite does not support.
 */
export function resolveEncoding(encoding: string): ResolvedEncoding {
  const known = resolvedByExactName.get(encoding)
  if (known !== undefined) return known
  if (typeof encoding !== 'string') throw new InvalidArgumentError('an encoding name must be a string')
  const result = resolveFolded(encoding)
  // Callers repeat the same few spellings; folding a name costs more than the encoding of a short message.
  if (resolvedByExactName.size < EXACT_NAME_CACHE_SIZE) resolvedByExactName.set(encoding, result)
  return result
}

function resolveFolded(encoding: string): ResolvedEncoding {
  const folded = foldName(encoding)
  if (UTF8_FOLDED_NAMES.has(folded)) return UTF8
  const cached = resolved.get(folded)
  if (cached !== undefined) return cached
  const { groupOf, namesOf } = encodingTable()
  const codecKey = groupOf.get(folded)
  if (codecKey === undefined || !codecWorks(codecKey)) throw new UnknownEncodingError(encoding)
  const name = displayNameOf(namesOf.get(codecKey) ?? [codecKey], codecKey)
  const result: IconvEncoding = { name, isUtf8: false, codecKey, codec: iconv.getCodec(codecKey) }
  // Keyed by folded names that exist in iconv-lite's table, so the cache is bounded by that table.
  resolved.set(folded, result)
  return result
}

/**
 * The canonical name of an encoding: `normalizeEncoding('UTF8') === 'utf-8'`,
 * `normalizeEncoding('EUC-CN') === 'gb2312'`. Names that select the same iconv-lite codec share one
 * canonical name. Throws UnknownEncodingError (ERR_UNKNOWN_ENCODING) when iconv-lite does not support it.
 */
export function normalizeEncoding(encoding: string): string {
  return resolveEncoding(encoding).name
}

let listed: readonly EncodingInfo[] | undefined

/**
 * Every encoding that works (each is checked to round-trip `abc`), with its aliases: the common ones
 * first (utf-8, utf-16, gb2312, gbk, gb18030, big5, shift_jis, ...), then the rest by name.
 * Builds every codec on the first call, so it is meant for `protolab encodings`, not a hot path.
 */
export function listEncodings(): EncodingInfo[] {
  if (listed === undefined) {
    const { namesOf } = encodingTable()
    const infos: EncodingInfo[] = []
    for (const [codecKey, names] of namesOf) {
      if (!codecWorks(codecKey)) continue
      const name = displayNameOf(names, codecKey)
      const folded = foldName(name)
      infos.push({ name, aliases: names.filter((alias) => alias !== folded) })
    }
    const rank = (name: string): number => {
      const index = (PREFERRED_NAMES as readonly string[]).indexOf(name)
      return index === -1 ? PREFERRED_NAMES.length : index
    }
    infos.sort((a, b) => rank(a.name) - rank(b.name) || a.name.localeCompare(b.name, 'en', { numeric: true }))
    listed = infos
  }
  return listed.map((info) => ({ name: info.name, aliases: [...info.aliases] }))
}
