// "May Conduit call this URL?" — every rule of SPEC §1, §7 and §19 in one place, for connector URLs,
// composite steps and token endpoints alike, at each of the three moments it is asked:
//   at registry load    scheme(), literalHost(): the literal parts of a URL template
//                       (src/registry/url-rules.ts reads the template's shape and asks these);
//   at request time     checkRendered(): a URL whose host or origin came from a variable;
//   at connect time     allowsAddress(): the address actually connected to, after DNS
//                       (src/upstream/dispatcher.ts), so there is no DNS rebinding window.
// The rules: https only (http with upstream.allowInsecure); no local or private destination
// (blocked-ranges.ts) unless upstream.allowPrivateNetworks is on, or the host name or its address
// is listed in upstream.allowPrivateHosts (host names and CIDR ranges).
import type { ErrorCode } from '../errors.js'
import { isBlockedAddress, isBlockedHostLiteral, parseIPv4, parseIPv6 } from './blocked-ranges.js'

export interface DestinationRules {
  allowInsecure: boolean
  allowPrivateNetworks: boolean
  /** upstream.allowPrivateHosts: host names and CIDR ranges (or single addresses) reachable although private. */
  allowPrivateHosts?: readonly string[]
}

type AllowedRange = readonly [bits: 32 | 128, network: bigint, prefix: number]

export type AllowedHostEntry =
  | { ok: true, name: string }
  | { ok: true, range: AllowedRange }
  | { ok: false, message: string }

const HOST_NAME = /^(?=.{1,253}$)[a-z0-9_](?:[a-z0-9_-]*[a-z0-9])?(?:\.[a-z0-9_](?:[a-z0-9_-]*[a-z0-9])?)*$/

function address (text: string): { bits: 32 | 128, value: bigint } | undefined {
  const bare = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text
  const v4 = parseIPv4(bare)
  if (v4 !== undefined) return { bits: 32, value: v4 }
  const v6 = parseIPv6(bare)
  if (v6 === undefined) return undefined
  // An IPv4-mapped IPv6 address (how a dual-stack socket reports an IPv4 peer) is its IPv4 address.
  if (v6 >> 32n === 0xffffn) return { bits: 32, value: v6 & 0xffffffffn }
  return { bits: 128, value: v6 }
}

/** One upstream.allowPrivateHosts entry: a host name, an address, or a CIDR range. */
export function parseAllowedHost (entry: string): AllowedHostEntry {
  const text = entry.trim().toLowerCase()
  const slash = text.indexOf('/')
  const ip = address(slash === -1 ? text : text.slice(0, slash))
  if (ip !== undefined) {
    const prefix = slash === -1 ? ip.bits : Number(text.slice(slash + 1))
    if (!/^\d{1,3}$/.test(slash === -1 ? String(prefix) : text.slice(slash + 1)) || prefix > ip.bits) {
      return { ok: false, message: `'${entry}' has an invalid prefix length: use 0-${ip.bits}` }
    }
    const shift = BigInt(ip.bits - prefix)
    return { ok: true, range: [ip.bits, (ip.value >> shift) << shift, prefix] }
  }
  const head = slash === -1 ? text : text.slice(0, slash)
  const name = head.endsWith('.') ? head.slice(0, -1) : head
  if (!HOST_NAME.test(name)) return { ok: false, message: `'${entry}' is neither a host name nor an IP address or CIDR range` }
  if (slash !== -1) return { ok: false, message: `'${entry}' is not a CIDR range such as 10.0.0.0/8 or fd00::/8` }
  return { ok: true, name }
}

export type RenderedUrlCheck =
  | { ok: true, url: URL }
  | { ok: false, code: ErrorCode, message: string }

function isLocalName (host: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, '')
  return h === 'localhost' || h.endsWith('.localhost')
}

/** The rules of one settings object, with allowPrivateHosts parsed once. */
export class DestinationPolicy {
  readonly allowInsecure: boolean
  readonly allowPrivateNetworks: boolean
  readonly #names: ReadonlySet<string>
  readonly #ranges: readonly AllowedRange[]

  constructor (rules: DestinationRules) {
    this.allowInsecure = rules.allowInsecure
    this.allowPrivateNetworks = rules.allowPrivateNetworks
    const names = new Set<string>()
    const ranges: AllowedRange[] = []
    for (const entry of rules.allowPrivateHosts ?? []) {
      const parsed = parseAllowedHost(entry)
      if (!parsed.ok) throw new TypeError(`upstream.allowPrivateHosts: ${parsed.message}`)
      if ('name' in parsed) names.add(parsed.name)
      else ranges.push(parsed.range)
    }
    this.#names = names
    this.#ranges = ranges
  }

  /** Whether a scheme (without ':') may be called. */
  scheme (scheme: string): 'ok' | 'insecure' | 'unsupported' {
    const s = scheme.toLowerCase()
    if (s === 'https') return 'ok'
    if (s === 'http') return this.allowInsecure ? 'ok' : 'insecure'
    return 'unsupported'
  }

  /** allowPrivateHosts lists this host name, or the IP literal `host` falls in one of its ranges. */
  #listed (host: string): boolean {
    const name = host.toLowerCase().replace(/\.$/, '')
    if (this.#names.has(name)) return true
    if (this.#ranges.length === 0) return false
    const ip = address(name)
    return ip !== undefined && this.#ranges.some(([bits, network, prefix]) => {
      if (bits !== ip.bits) return false
      const shift = BigInt(bits - prefix)
      return (ip.value >> shift) === (network >> shift)
    })
  }

  /**
   * A literal host (canonical WHATWG hostname, brackets allowed) at load or after rendering:
   * 'private' for local names and IP literals in blocked ranges that no setting allows.
   */
  literalHost (hostname: string): 'ok' | 'private' {
    if (this.allowPrivateNetworks) return 'ok'
    const bare = hostname.replace(/^\[(.*)\]$/, '$1')
    if (!isLocalName(bare) && !isBlockedHostLiteral(bare)) return 'ok'
    return this.#listed(bare) ? 'ok' : 'private'
  }

  /** Whether a name ending in `label` (a literal tail of a templated host) is local. */
  localSuffix (label: string): boolean {
    return !this.allowPrivateNetworks && isLocalName(label)
  }

  /**
   * Connect time: may Conduit open a connection to `ip`, reached for `hostname`? Anything that is
   * not an IP address is refused (the guard fails closed).
   */
  allowsAddress (ip: string, hostname?: string): boolean {
    if (this.allowPrivateNetworks || !isBlockedAddress(ip)) return true
    if (hostname !== undefined && this.#names.has(hostname.toLowerCase().replace(/\.$/, ''))) return true
    return this.#listed(ip)
  }

  /**
   * Request time, on a URL whose host or origin came from a variable: https (http with
   * allowInsecure), no user information, the host shape the definition allows, no literal local or
   * private host. The connect-time guard still checks the resolved address.
   */
  checkRendered (url: string, hostPattern?: RegExp): RenderedUrlCheck {
    let u: URL
    try {
      u = new URL(url)
    } catch {
      return { ok: false, code: 'TEMPLATE_RENDER_ERROR', message: 'The rendered url is not a valid absolute URL (is a variable it uses missing?)' }
    }
    const scheme = u.protocol.slice(0, -1)
    const rule = this.scheme(scheme)
    if (rule !== 'ok') return { ok: false, code: 'TEMPLATE_RENDER_ERROR', message: `The rendered url is not allowed: ${SCHEME_MESSAGES[rule](scheme)}` }
    if (u.username !== '' || u.password !== '') {
      return { ok: false, code: 'TEMPLATE_RENDER_ERROR', message: 'The rendered url is not allowed: user information is not allowed in the URL' }
    }
    if (hostPattern !== undefined && !hostPattern.test(u.hostname)) {
      return { ok: false, code: 'TEMPLATE_RENDER_ERROR', message: `The rendered host '${u.hostname}' does not have the shape the connector's url allows` }
    }
    if (this.literalHost(u.hostname) !== 'ok') {
      return { ok: false, code: 'DESTINATION_NOT_ALLOWED', message: `Destination host '${u.hostname}' is not allowed` }
    }
    return { ok: true, url: u }
  }
}

/** The wording of a refused scheme in connector URLs. */
export const SCHEME_MESSAGES = {
  insecure: (_scheme: string) => 'the scheme must be https (plain http is allowed only when the upstream.allowInsecure setting is on)',
  unsupported: (scheme: string) => `the scheme must be https (got '${scheme}')`
} as const

/** checkRendered for rules given as settings (one-off checks). */
export function checkRenderedOrigin (url: string, options: DestinationRules & { hostPattern?: RegExp }): RenderedUrlCheck {
  return new DestinationPolicy(options).checkRendered(url, options.hostPattern)
}
