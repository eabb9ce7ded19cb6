import { type Cidr, ipFamily, isIPv4Mapped, parseCidr, parseIP, prefixContains } from '../address/index.js'
import { ProtolabError } from '../errors.js'

/** The rules of an {@link AccessList}, as the flags gave them: IP addresses and CIDR prefixes. */
export interface AccessRules {
  /** `--allow`: when any are given, only these addresses get in. */
  readonly allow?: readonly string[]
  /** `--deny`: these never get in, even when also allowed. */
  readonly deny?: readonly string[]
}

/** One rule: the prefix it matches, and the text it was written as (for messages). */
interface Rule {
  readonly cidr: Cidr
  readonly text: string
}

/** Decisions remembered per address, so a flood from one source costs a map lookup each. */
const DECISION_CACHE_ENTRIES = 4096

/**
 * Who may talk to a listener, as ncat's `--allow` / `--deny`: IPv4 and IPv6 addresses and CIDR
 * prefixes (`10.0.0.0/8`, `::1`, `2001:db8::/32`). A denied address is refused even when also
 * allowed (deny wins); when any address is allowed, every other one is refused; with no rules,
 * everyone gets in. An IPv4 address and its IPv4-mapped IPv6 form (`::ffff:10.0.0.1`, what a
 * listener on `::` sees) are the same peer to every rule; otherwise IPv4 rules match IPv4 peers
 * and IPv6 rules IPv6 peers. An address that is not an IP literal is refused whenever there are rules.
 */
export class AccessList {
  /** The list with no rules: everyone gets in. */
  static readonly everyone = new AccessList([], [])

  readonly #allow: readonly Rule[]
  readonly #deny: readonly Rule[]
  /** Why each address seen lately was refused; `null` when it was not. */
  readonly #decisions = new Map<string, string | null>()

  private constructor(allow: readonly Rule[], deny: readonly Rule[]) {
    this.#allow = allow
    this.#deny = deny
  }

  /**
   * Builds a list from the flags' values; each value may hold several entries separated by commas.
   * @throws AccessRuleError naming the flag and the entry that is not an IP address or prefix.
   */
  static parse(rules: AccessRules): AccessList {
    const allow = parseRules('--allow', rules.allow ?? [])
    const deny = parseRules('--deny', rules.deny ?? [])
    return allow.length === 0 && deny.length === 0 ? AccessList.everyone : new AccessList(allow, deny)
  }

  /** True when some address can be refused: there are rules. */
  get restricts(): boolean {
    return this.#allow.length > 0 || this.#deny.length > 0
  }

  /** True when `address` (as a socket reports it, maybe with a `%zone`) may talk to the listener. */
  allows(address: string): boolean {
    return this.reasonRefused(address) === undefined
  }

  /** Why `address` is refused (`denied by --deny 10.0.0.0/8`, `not in --allow`), or undefined when it is not. */
  reasonRefused(address: string): string | undefined {
    if (!this.restricts) return undefined
    let reason = this.#decisions.get(address)
    if (reason === undefined) {
      reason = this.#decide(address)
      // Bounded: a spoofed flood from ever new sources cannot make the cache grow without limit.
      if (this.#decisions.size >= DECISION_CACHE_ENTRIES) this.#decisions.clear()
      this.#decisions.set(address, reason)
    }
    return reason ?? undefined
  }

  #decide(address: string): string | null {
    const bytes = bytesOf(address)
    if (bytes === undefined) return 'not an IP address'
    const denied = this.#deny.find((rule) => matches(rule, bytes))
    if (denied !== undefined) return `denied by --deny ${denied.text}`
    if (this.#allow.length > 0 && !this.#allow.some((rule) => matches(rule, bytes))) return 'not in --allow'
    return null
  }
}

/** Thrown (code `ERR_INVALID_ARGUMENT`) when an `--allow` or `--deny` entry is empty or not an IP address or prefix. */
export class AccessRuleError extends ProtolabError {
  override name = 'AccessRuleError'
  /** True when the entry was empty (`10.0.0.1,,::1`), false when it is not an address or prefix. */
  readonly empty: boolean

  constructor(
    /** The flag the entry came from. */
    readonly flag: string,
    message: string,
    options: { empty: boolean; cause?: unknown },
  ) {
    super('ERR_INVALID_ARGUMENT', message, { cause: options.cause })
    this.empty = options.empty
  }
}

/** The access list the flags ask for: {@link AccessList.everyone} when neither flag was given. */
export function accessListOf(flags: AccessRules): AccessList {
  return AccessList.parse({ allow: flags.allow ?? [], deny: flags.deny ?? [] })
}

function parseRules(flag: string, values: readonly string[]): Rule[] {
  const rules: Rule[] = []
  for (const value of values) {
    for (const entry of value.split(',')) {
      const text = entry.trim()
      if (text === '') {
        throw new AccessRuleError(flag, `${flag} has an empty entry in '${value}'`, { empty: true })
      }
      try {
        rules.push({ cidr: unmappedCidr(parseCidr(text)), text })
      } catch (error) {
        throw new AccessRuleError(flag, `${flag} ${error instanceof Error ? error.message : String(error)}`, {
          empty: false,
          cause: error,
        })
      }
    }
  }
  return rules
}

/**
 * An address's bytes for matching: an IPv4-mapped IPv6 address (`::ffff:10.0.0.1`, what a listener
 * on `::` sees of an IPv4 peer) is its IPv4 address, and a `%zone` is ignored. Undefined when it is
 * not an IP literal.
 */
function bytesOf(address: string): Uint8Array | undefined {
  const zone = address.indexOf('%')
  const literal = zone === -1 ? address : address.slice(0, zone)
  if (ipFamily(literal) === undefined) return undefined
  const { bytes } = parseIP(literal)
  return bytes.length === 16 && isIPv4Mapped(bytes) ? bytes.subarray(12) : bytes
}

/** A prefix inside `::ffff:0:0/96` is the IPv4 prefix it maps, so it matches IPv4 peers as written. */
function unmappedCidr(cidr: Cidr): Cidr {
  if (cidr.family !== 6 || cidr.prefixLength < 96 || !isIPv4Mapped(cidr.bytes)) return cidr
  return { family: 4, bytes: cidr.bytes.slice(12), prefixLength: cidr.prefixLength - 96 }
}

function matches(rule: Rule, bytes: Uint8Array): boolean {
  return bytes.length === rule.cidr.bytes.length && prefixContains(rule.cidr, bytes)
}
