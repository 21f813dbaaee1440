// The shape of a URL template (SPEC §1), read at load from the template's lexer and AST
// (src/template/meta.ts): where the literal scheme and host are, and which parts get_variable()
// fills (whole origin, whole host, one label). What may be called is not decided here: every scheme
// and host rule belongs to destination-policy.ts, which this module asks about the literal parts. Connector and step URLs and token endpoints share this
// reading; only the wording of their problems differs (CONNECTOR_URL, TOKEN_URL).
import { templateFacts, type TemplatePart } from '../template/meta.js'
import { DestinationPolicy, SCHEME_MESSAGES, type DestinationRules } from './destination-policy.js'

type Segment = TemplatePart

export const URL_MAX = 2048

export type UrlRuleOptions = DestinationRules | DestinationPolicy

export interface UrlProblem {
  message: string
  /** Offset in the URL template, when the problem has a place. */
  offset?: number
  /** 1-based line and column of `offset`. */
  line?: number
  column?: number
}

export type UrlHostKind = 'literal' | 'host' | 'label' | 'origin'

export interface UrlShape {
  problems: UrlProblem[]
  hostKind: UrlHostKind
  /** For `host` and `label`: what the rendered host must look like (checked by checkRendered). */
  hostPattern?: RegExp
}

type SchemeRule = 'insecure' | 'unsupported'

/** How the problems of one kind of URL are worded. */
export interface UrlWording {
  /** Report the first problem only (token endpoints have always reported one). */
  firstOnly: boolean
  tooLong: (length: number) => string
  required: string
  space: string
  notAbsolute: string
  /** A tag other than get_variable() opens the URL, or the scheme is half templated. */
  schemeTemplated: string
  scheme: (rule: SchemeRule, scheme: string) => string
  /** A get_variable() origin not followed by '/', '?' or the end; `schemeAfter` when '://' follows. */
  originFollow: (schemeAfter: boolean) => string
  pathParamsInHost: string
  defaultOrigin: (origin: string, problem: 'not-absolute' | 'not-origin' | 'userinfo' | 'private' | SchemeRule, scheme: string, host: string) => string
  hostMissing: string
  userinfo: string
  portTemplated: string
  invalidPort: (port: string) => string
  invalidHost: (host: string) => string
  privateHost: (host: string, canonical: string) => string
  hostTemplating: string
  defaultHost: (message: string) => string
  defaultHostNotName: (fallback: string) => string
  labelDefault: (fallback: string) => string
  localSuffix: string
}

const HOST_TEMPLATING = "the host may only be templated with {{ get_variable('name') }} (optionally | default('literal')) as the whole host, one whole label of it, or the whole origin"
const SCHEME_TEMPLATED = "the scheme is never templated; start the URL with https:// or use {{ get_variable('name') }} as the whole origin"
const PRIVATE_NETWORKS = 'upstreams on private networks need the upstream.allowPrivateNetworks setting'

/** Connector and composite step `url`. */
export const CONNECTOR_URL: UrlWording = {
  firstOnly: false,
  tooLong: (length) => `must be at most ${URL_MAX} characters (got ${length})`,
  required: 'is required',
  space: 'contains a literal space or line break; percent-encode it (%20)',
  notAbsolute: 'must be an absolute URL starting with https://',
  schemeTemplated: SCHEME_TEMPLATED,
  scheme: (rule, scheme) => SCHEME_MESSAGES[rule](scheme),
  originFollow: (schemeAfter) => schemeAfter
    ? SCHEME_TEMPLATED
    : "a {{ get_variable('name') }} at the start of the URL must be the whole origin, followed by '/', '?' or the end",
  pathParamsInHost: 'path parameters may not be used in the host; they only fill the path',
  defaultOrigin: (origin, problem, scheme) => {
    switch (problem) {
      case 'not-absolute': return `the default origin '${origin}' is not an absolute URL`
      case 'not-origin': return `the default origin '${origin}' must be scheme and host only (the path belongs after the tag)`
      case 'userinfo': return `default origin '${origin}': user information is not allowed in the URL`
      case 'private': return `default origin '${origin}': the host is a local or private address; ${PRIVATE_NETWORKS}`
      default: return `default origin '${origin}': ${SCHEME_MESSAGES[problem](scheme)}`
    }
  },
  hostMissing: 'the host is missing',
  userinfo: 'user information (user@host) is not allowed in the URL; put credentials in headers or authentication',
  portTemplated: 'the port may not be templated',
  invalidPort: (port) => `invalid port '${port}'`,
  invalidHost: (host) => `'${host}' is not a valid host`,
  privateHost: (host) => `the host '${host}' is a local or private address; ${PRIVATE_NETWORKS}`,
  hostTemplating: HOST_TEMPLATING,
  defaultHost: (message) => `default host: ${message}`,
  defaultHostNotName: (fallback) => `the default host '${fallback}' must be a host name only`,
  labelDefault: (fallback) => `the default '${fallback}' of a templated host label must be a single DNS label`,
  localSuffix: `the host is under 'localhost'; ${PRIVATE_NETWORKS}`
}

const TOKEN_ORIGIN = "token_url must be an absolute https:// URL with a literal scheme, or start with {{ get_variable('name') }} as the whole origin"
const tokenScheme = (rule: SchemeRule, scheme: string): string => rule === 'insecure'
  ? 'token_url must use https: plain http is allowed only when the upstream.allowInsecure setting is on'
  : `token_url must use https, not '${scheme}'`
const tokenPrivate = (host: string): string =>
  `token_url host '${host}' is a local or private address: token requests to it are blocked unless the upstream.allowPrivateNetworks setting is on`

/** `token_url` of oauth_client_credentials and oauth_jwt_bearer. */
export const TOKEN_URL: UrlWording = {
  firstOnly: true,
  tooLong: (length) => `token_url must be at most ${URL_MAX} characters (got ${length})`,
  required: 'token_url is required for this authentication type',
  space: 'token_url is not a valid URL: it contains a literal space or line break',
  notAbsolute: TOKEN_ORIGIN,
  schemeTemplated: TOKEN_ORIGIN,
  scheme: tokenScheme,
  originFollow: () => "token_url: a get_variable() origin must be followed by '/', '?' or nothing",
  pathParamsInHost: 'token_url: path parameters may not be used in the host',
  defaultOrigin: (origin, problem, scheme, host) => {
    switch (problem) {
      case 'not-absolute': return `default(): ${TOKEN_ORIGIN}`
      case 'not-origin': return `default(): the default origin '${origin}' must be scheme and host only (the path belongs after the tag)`
      case 'userinfo': return 'default(): token_url: user information is not allowed in the URL'
      case 'private': return `default(): ${tokenPrivate(host)}`
      default: return `default(): ${tokenScheme(problem, scheme)}`
    }
  },
  hostMissing: 'token_url has no host',
  userinfo: 'token_url: user information (user@host) is not allowed in the URL',
  portTemplated: 'token_url: the port may not be templated',
  invalidPort: (port) => `token_url has an invalid port '${port}'`,
  invalidHost: () => 'token_url is not a valid URL',
  privateHost: (_host, canonical) => tokenPrivate(canonical),
  hostTemplating: "token_url: the host may only be templated with {{ get_variable('name') }} as the whole host or one label of it",
  defaultHost: (message) => `default(): ${message}`,
  defaultHostNotName: (fallback) => `token_url: the default host '${fallback}' must be a host name only`,
  labelDefault: (fallback) => `token_url: the default '${fallback}' of a templated host label must be a single DNS label`,
  localSuffix: "token_url: the host is under 'localhost': token requests to it are blocked unless the upstream.allowPrivateNetworks setting is on"
}

export function policyOf (options: UrlRuleOptions): DestinationPolicy {
  return options instanceof DestinationPolicy ? options : new DestinationPolicy(options)
}

/** Canonical hostname of a literal authority (WHATWG parsing turns 0x7f.1 or 2130706433 into 127.0.0.1), or undefined. */
function canonicalHost (host: string): string | undefined {
  try {
    return new URL(`https://${host}/`).hostname
  } catch {
    return undefined
  }
}

function escapeRegExp (s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

const LABEL = '[a-z0-9](?:[a-z0-9-]*[a-z0-9])?'
const ANY_HOST = new RegExp(`^(?:${LABEL}\\.)*${LABEL}\\.?$|^\\[[0-9a-f:.]+\\]$`)

/**
 * Reads a URL template's shape (the template compiler checks its syntax and names separately) and
 * asks the destination policy about its literal scheme and host.
 */
export function checkUrlTemplate (source: string, options: UrlRuleOptions, wording: UrlWording = CONNECTOR_URL): UrlShape {
  const shape = readUrlTemplate(source, policyOf(options), wording)
  if (wording.firstOnly && shape.problems.length > 1) shape.problems.length = 1
  return shape
}

interface Reader {
  policy: DestinationPolicy
  w: UrlWording
  shape: UrlShape
  /** Whether a tag reads pathParams (which never reaches the host). */
  readsPathParams: (tag: Segment) => boolean
}

function readUrlTemplate (source: string, policy: DestinationPolicy, w: UrlWording): UrlShape {
  const problems: UrlProblem[] = []
  const shape: UrlShape = { problems, hostKind: 'literal' }
  if (source.length > URL_MAX) problems.push({ message: w.tooLong(source.length) })
  if (source.trim() === '') {
    problems.push({ message: w.required })
    return shape
  }
  // A template that does not parse has no shape to read: the template compiler reports why.
  const facts = templateFacts(source)
  if (facts === undefined) return shape
  const segments = facts.parts
  const pathParams = facts.reads('pathParams')
  const r: Reader = {
    policy,
    w,
    shape,
    readsPathParams: (tag) => pathParams.some(p => p.offset >= tag.start && p.offset < tag.start + tag.text.length)
  }
  readShape(segments, r)
  for (const p of problems) {
    if (p.offset !== undefined) Object.assign(p, facts.position(p.offset))
  }
  return shape
}

function readShape (segments: Segment[], r: Reader): void {
  const { w, shape, policy } = r
  const problems = shape.problems
  if (segments.length === 0) {
    problems.push({ message: w.notAbsolute, offset: 0 })
    return
  }
  for (const seg of segments) {
    if (seg.tag) continue
    const ws = /\s/.exec(seg.text)
    if (ws !== null) {
      problems.push({ message: w.space, offset: seg.start + ws.index })
      break
    }
  }

  const first = segments[0]
  if (first.tag) {
    checkOrigin(segments, r)
    return
  }
  const schemeMatch = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(first.text)
  if (schemeMatch === null) {
    const templatedScheme = segments.length > 1 && !first.text.includes('/') && !first.text.includes(':')
    problems.push({ message: templatedScheme ? w.schemeTemplated : w.notAbsolute, offset: 0 })
    return
  }
  const rule = policy.scheme(schemeMatch[1])
  if (rule !== 'ok') problems.push({ message: w.scheme(rule, schemeMatch[1]), offset: 0 })

  // The authority: from after "://" to the first literal '/', '?', '#' or '\\' (a path separator to WHATWG URLs).
  const authority: Segment[] = []
  const rest: Segment[] = [{ tag: false, text: first.text.slice(schemeMatch[0].length), start: first.start + schemeMatch[0].length }, ...segments.slice(1)]
  for (const seg of rest) {
    if (seg.tag) { authority.push(seg); continue }
    const stop = seg.text.search(/[/?#\\]/)
    if (stop === -1) { if (seg.text !== '') authority.push(seg); continue }
    if (stop > 0) authority.push({ tag: false, text: seg.text.slice(0, stop), start: seg.start })
    break
  }
  checkAuthority(authority, r)
}

function originProblem (origin: string, r: Reader): string | undefined {
  let u: URL
  try {
    u = new URL(origin)
  } catch {
    return r.w.defaultOrigin(origin, 'not-absolute', '', '')
  }
  const scheme = u.protocol.slice(0, -1)
  const rule = r.policy.scheme(scheme)
  if (rule !== 'ok') return r.w.defaultOrigin(origin, rule, scheme, u.hostname)
  if (u.username !== '' || u.password !== '') return r.w.defaultOrigin(origin, 'userinfo', scheme, u.hostname)
  if (r.policy.literalHost(u.hostname) !== 'ok') return r.w.defaultOrigin(origin, 'private', scheme, u.hostname)
  if ((u.pathname !== '/' && u.pathname !== '') || u.search !== '' || u.hash !== '') {
    return r.w.defaultOrigin(origin, 'not-origin', scheme, u.hostname)
  }
  return undefined
}

function literalHostProblem (host: string, r: Reader): string | undefined {
  if (host === '') return r.w.hostMissing
  const canonical = canonicalHost(host)
  if (canonical === undefined || canonical === '') return r.w.invalidHost(host)
  if (r.policy.literalHost(canonical) !== 'ok') return r.w.privateHost(host, canonical)
  return undefined
}

function checkOrigin (segments: Segment[], r: Reader): void {
  const { shape, w } = r
  const [tag, next] = segments
  if (r.readsPathParams(tag)) {
    shape.problems.push({ message: w.pathParamsInHost, offset: tag.start })
    return
  }
  const v = tag.tag ? tag.variable : undefined
  if (v === undefined) {
    shape.problems.push({ message: w.schemeTemplated, offset: tag.start })
    return
  }
  if (next !== undefined && (next.tag || !/^[/?#]/.test(next.text))) {
    shape.problems.push({ message: w.originFollow(!next.tag && next.text.startsWith('://')), offset: next.start })
    return
  }
  shape.hostKind = 'origin'
  if (v.fallback !== undefined) {
    const p = originProblem(v.fallback, r)
    if (p !== undefined) shape.problems.push({ message: p, offset: tag.start })
  }
}

function checkAuthority (authority: Segment[], r: Reader): void {
  const { shape, w } = r
  const problems = shape.problems
  const start = authority[0]?.start
  if (authority.length === 0) {
    problems.push({ message: w.hostMissing })
    return
  }
  const pathParams = authority.find(s => s.tag && r.readsPathParams(s))
  if (pathParams !== undefined) {
    problems.push({ message: w.pathParamsInHost, offset: pathParams.start })
    return
  }
  // Shape of the authority with each tag replaced by a placeholder character.
  const tags: Segment[] = []
  let text = ''
  for (const s of authority) {
    if (s.tag) { tags.push(s); text += '\u0000' } else text += s.text
  }
  if (text.includes('@')) {
    problems.push({ message: w.userinfo, offset: start })
    return
  }
  let host = text
  let port: string | undefined
  const v6 = /^(\[[^\]]*\])(?::(.*))?$/.exec(text)
  if (v6 !== null) {
    host = v6[1]
    port = v6[2]
  } else if (text.includes(':')) {
    host = text.slice(0, text.lastIndexOf(':'))
    port = text.slice(text.lastIndexOf(':') + 1)
  }
  if (port !== undefined) {
    if (port.includes('\u0000')) {
      problems.push({ message: w.portTemplated, offset: start })
      return
    }
    if (!/^\d{1,5}$/.test(port) || Number(port) > 65535 || Number(port) === 0) {
      problems.push({ message: w.invalidPort(port), offset: start })
      return
    }
  }
  if (tags.length === 0) {
    const p = literalHostProblem(host, r)
    if (p !== undefined) problems.push({ message: p, offset: start })
    return
  }
  if (!host.includes('\u0000')) {
    // A tag sits outside the host (e.g. in the port): already handled above, but stay safe.
    problems.push({ message: w.hostTemplating, offset: tags[0].start })
    return
  }
  if (host === '\u0000') {
    const v = tags[0].tag ? tags[0].variable : undefined
    if (v === undefined) { problems.push({ message: w.hostTemplating, offset: tags[0].start }); return }
    if (v.fallback !== undefined) {
      const p = v.fallback.includes(':') || v.fallback.includes('/')
        ? w.defaultHostNotName(v.fallback)
        : literalHostProblem(v.fallback, r)
      if (p !== undefined) problems.push({ message: w.defaultHost(p), offset: tags[0].start })
    }
    shape.hostKind = 'host'
    shape.hostPattern = ANY_HOST
    return
  }
  const labels = host.split('.')
  let tagIndex = 0
  const pattern: string[] = []
  for (const label of labels) {
    if (!label.includes('\u0000')) { pattern.push(escapeRegExp(label.toLowerCase())); continue }
    const tag = tags[tagIndex]
    tagIndex += label.split('\u0000').length - 1
    if (label !== '\u0000') { problems.push({ message: w.hostTemplating, offset: tag.start }); return }
    const v = tag.tag ? tag.variable : undefined
    if (v === undefined) { problems.push({ message: w.hostTemplating, offset: tag.start }); return }
    if (v.fallback !== undefined && !/^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$/.test(v.fallback)) {
      problems.push({ message: w.labelDefault(v.fallback), offset: tag.start })
      return
    }
    pattern.push(LABEL)
  }
  const literalLabels = labels.filter(l => !l.includes('\u0000'))
  if (literalLabels.length > 0 && r.policy.localSuffix(literalLabels[literalLabels.length - 1])) {
    problems.push({ message: w.localSuffix, offset: start })
    return
  }
  shape.hostKind = 'label'
  shape.hostPattern = new RegExp(`^${pattern.join('\\.')}$`)
}

/** Where a step's URL may lead, decided at load: what the pipeline checks after rendering. */
export interface UrlTarget {
  /** The rules the URL was checked with (the same object for every step of one registry load). */
  policy: DestinationPolicy
  hostKind: UrlHostKind
  /** For `host` and `label`: what the rendered host must look like. */
  hostPattern?: RegExp
  /** A URL without tags, checked once at load: its text and host. */
  fixed?: { url: string, host: string }
}

/** The target of a URL template whose shape had no problems. */
export function urlTarget (source: string, isStatic: boolean, shape: UrlShape, policy: DestinationPolicy): UrlTarget {
  const target: UrlTarget = { policy, hostKind: shape.hostKind }
  if (shape.hostPattern !== undefined) target.hostPattern = shape.hostPattern
  if (isStatic) {
    const checked = policy.checkRendered(source, shape.hostPattern)
    if (checked.ok) target.fixed = Object.freeze({ url: source, host: checked.url.host })
  }
  return target
}
