// URL rules of SPEC §1, checked at load, and the check the pipeline runs on a rendered URL whose
// origin or host came from a variable. The host of an upstream may only come from the definition
// or from an operator-set variable, never from a caller (path parameters) or anything else.
import type { ErrorCode } from '../errors.js'
import { isBlockedHostLiteral } from '../upstream/blocked-ranges.js'
import { splitTemplate, type Segment } from './template-scan.js'

export const URL_MAX = 2048

export interface UrlRuleOptions {
  allowInsecure: boolean
  allowPrivateNetworks: boolean
}

export interface UrlProblem {
  message: string
  /** Offset in the URL template, when the problem has a place. */
  offset?: number
}

export type UrlHostKind = 'literal' | 'host' | 'label' | 'origin'

export interface UrlShape {
  problems: UrlProblem[]
  hostKind: UrlHostKind
  /** For `host` and `label`: what the rendered host must look like (checked by checkRenderedOrigin). */
  hostPattern?: RegExp
}

const VAR_NAME = '[A-Za-z_][A-Za-z0-9_]*'
// `{{ get_variable('name') }}`, optionally `| default('literal')` or `| default('literal', true)`.
const GET_VARIABLE_TAG = new RegExp(
  `^\\{\\{\\s*get_variable\\(\\s*(?:'${VAR_NAME}'|"${VAR_NAME}")\\s*\\)\\s*` +
  '(?:\\|\\s*default\\(\\s*(?:\'([^\'\\\\]*)\'|"([^"\\\\]*)")\\s*(?:,\\s*(?:true|True)\\s*)?\\)\\s*)?\\}\\}$'
)

const HOST_TEMPLATING = "the host may only be templated with {{ get_variable('name') }} (optionally | default('literal')) as the whole host, one whole label of it, or the whole origin"
const NO_PATH_PARAMS_IN_HOST = 'path parameters may not be used in the host; they only fill the path'
const SCHEME_TEMPLATED = "the scheme is never templated; start the URL with https:// or use {{ get_variable('name') }} as the whole origin"

function variableTag (tag: string): { ok: boolean, fallback?: string } {
  const m = GET_VARIABLE_TAG.exec(tag)
  if (m === null) return { ok: false }
  return { ok: true, fallback: m[1] ?? m[2] }
}

function isLocalhost (host: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, '')
  return h === 'localhost' || h.endsWith('.localhost')
}

function blockedHost (hostname: string): boolean {
  const bare = hostname.replace(/^\[(.*)\]$/, '$1')
  return isLocalhost(bare) || isBlockedHostLiteral(bare)
}

function schemeProblem (scheme: string, options: UrlRuleOptions): string | undefined {
  const s = scheme.toLowerCase()
  if (s === 'https') return undefined
  if (s === 'http') return options.allowInsecure ? undefined : 'the scheme must be https (plain http is allowed only when the upstream.allowInsecure setting is on)'
  return `the scheme must be https (got '${scheme}')`
}

/** Canonical hostname of a literal authority (WHATWG parsing turns 0x7f.1 or 2130706433 into 127.0.0.1), or undefined. */
function canonicalHost (host: string): string | undefined {
  try {
    return new URL(`https://${host}/`).hostname
  } catch {
    return undefined
  }
}

function literalHostProblem (host: string, options: UrlRuleOptions): string | undefined {
  if (host === '') return 'the host is missing'
  const canonical = canonicalHost(host)
  if (canonical === undefined || canonical === '') return `'${host}' is not a valid host`
  if (!options.allowPrivateNetworks && blockedHost(canonical)) {
    return `the host '${host}' is a local or private address; upstreams on private networks need the upstream.allowPrivateNetworks setting`
  }
  return undefined
}

function originProblem (origin: string, options: UrlRuleOptions): string | undefined {
  let u: URL
  try {
    u = new URL(origin)
  } catch {
    return `the default origin '${origin}' is not an absolute URL`
  }
  const scheme = schemeProblem(u.protocol.slice(0, -1), options)
  if (scheme !== undefined) return `default origin '${origin}': ${scheme}`
  if (u.username !== '' || u.password !== '') return `default origin '${origin}': user information is not allowed in the URL`
  if (!options.allowPrivateNetworks && blockedHost(u.hostname)) {
    return `default origin '${origin}': the host is a local or private address; upstreams on private networks need the upstream.allowPrivateNetworks setting`
  }
  if ((u.pathname !== '/' && u.pathname !== '') || u.search !== '' || u.hash !== '') {
    return `the default origin '${origin}' must be scheme and host only (the path belongs after the tag)`
  }
  return undefined
}

function escapeRegExp (s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

const LABEL = '[a-z0-9](?:[a-z0-9-]*[a-z0-9])?'
const ANY_HOST = new RegExp(`^(?:${LABEL}\\.)*${LABEL}\\.?$|^\\[[0-9a-f:.]+\\]$`)

/** Checks the URL template's text (the template compiler checks its syntax and names separately). */
export function checkUrlTemplate (source: string, options: UrlRuleOptions): UrlShape {
  const problems: UrlProblem[] = []
  const shape: UrlShape = { problems, hostKind: 'literal' }
  if (source.length > URL_MAX) problems.push({ message: `must be at most ${URL_MAX} characters (got ${source.length})` })
  if (source.trim() === '') {
    problems.push({ message: 'is required' })
    return shape
  }
  const segments = splitTemplate(source)
  for (const seg of segments) {
    if (seg.tag) continue
    const ws = /\s/.exec(seg.text)
    if (ws !== null) {
      problems.push({ message: 'contains a literal space or line break; percent-encode it (%20)', offset: seg.start + ws.index })
      break
    }
  }

  const first = segments[0]
  if (first.tag) {
    checkOrigin(segments, options, shape)
    return shape
  }
  const schemeMatch = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(first.text)
  if (schemeMatch === null) {
    const templatedScheme = segments.length > 1 && !first.text.includes('/') && !first.text.includes(':')
    problems.push({ message: templatedScheme ? SCHEME_TEMPLATED : 'must be an absolute URL starting with https://', offset: 0 })
    return shape
  }
  const sp = schemeProblem(schemeMatch[1], options)
  if (sp !== undefined) problems.push({ message: sp, offset: 0 })

  // The authority: from after "://" to the first literal '/', '?', '#' or '\\' (a path separator to WHATWG URLs).
  const authority: Segment[] = []
  const rest = [{ tag: false, text: first.text.slice(schemeMatch[0].length), start: schemeMatch[0].length }, ...segments.slice(1)]
  for (const seg of rest) {
    if (seg.tag) { authority.push(seg); continue }
    const stop = seg.text.search(/[/?#\\]/)
    if (stop === -1) { if (seg.text !== '') authority.push(seg); continue }
    if (stop > 0) authority.push({ tag: false, text: seg.text.slice(0, stop), start: seg.start })
    break
  }
  checkAuthority(authority, options, shape)
  return shape
}

function checkOrigin (segments: Segment[], options: UrlRuleOptions, shape: UrlShape): void {
  const [tag, next] = segments
  if (/\bpathParams\b/.test(tag.text)) {
    shape.problems.push({ message: NO_PATH_PARAMS_IN_HOST, offset: tag.start })
    return
  }
  const v = variableTag(tag.text)
  if (!v.ok) {
    shape.problems.push({ message: SCHEME_TEMPLATED, offset: tag.start })
    return
  }
  if (next !== undefined && (next.tag || !/^[/?#]/.test(next.text))) {
    const message = !next.tag && next.text.startsWith('://')
      ? SCHEME_TEMPLATED
      : "a {{ get_variable('name') }} at the start of the URL must be the whole origin, followed by '/', '?' or the end"
    shape.problems.push({ message, offset: next.start })
    return
  }
  shape.hostKind = 'origin'
  if (v.fallback !== undefined) {
    const p = originProblem(v.fallback, options)
    if (p !== undefined) shape.problems.push({ message: p, offset: tag.start })
  }
}

function checkAuthority (authority: Segment[], options: UrlRuleOptions, shape: UrlShape): void {
  const problems = shape.problems
  const start = authority[0]?.start
  if (authority.length === 0) {
    problems.push({ message: 'the host is missing' })
    return
  }
  if (authority.some(s => s.tag && /\bpathParams\b/.test(s.text))) {
    problems.push({ message: NO_PATH_PARAMS_IN_HOST, offset: authority.find(s => s.tag && /\bpathParams\b/.test(s.text))?.start })
    return
  }
  // Shape of the authority with each tag replaced by a placeholder character.
  const tags: Segment[] = []
  let text = ''
  for (const s of authority) {
    if (s.tag) { tags.push(s); text += '\u0000' } else text += s.text
  }
  if (text.includes('@')) {
    problems.push({ message: 'user information (user@host) is not allowed in the URL; put credentials in headers or authentication', offset: start })
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
      problems.push({ message: 'the port may not be templated', offset: start })
      return
    }
    if (!/^\d{1,5}$/.test(port) || Number(port) > 65535 || Number(port) === 0) {
      problems.push({ message: `invalid port '${port}'`, offset: start })
      return
    }
  }
  if (tags.length === 0) {
    const p = literalHostProblem(host, options)
    if (p !== undefined) problems.push({ message: p, offset: start })
    return
  }
  if (!host.includes('\u0000')) {
    // A tag sits outside the host (e.g. in the port): already handled above, but stay safe.
    problems.push({ message: HOST_TEMPLATING, offset: tags[0].start })
    return
  }
  if (host === '\u0000') {
    const v = variableTag(tags[0].text)
    if (!v.ok) { problems.push({ message: HOST_TEMPLATING, offset: tags[0].start }); return }
    if (v.fallback !== undefined) {
      const p = v.fallback.includes(':') || v.fallback.includes('/')
        ? `the default host '${v.fallback}' must be a host name only`
        : literalHostProblem(v.fallback, options)
      if (p !== undefined) problems.push({ message: `default host: ${p}`, offset: tags[0].start })
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
    if (label !== '\u0000') { problems.push({ message: HOST_TEMPLATING, offset: tag.start }); return }
    const v = variableTag(tag.text)
    if (!v.ok) { problems.push({ message: HOST_TEMPLATING, offset: tag.start }); return }
    if (v.fallback !== undefined && !/^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$/.test(v.fallback)) {
      problems.push({ message: `the default '${v.fallback}' of a templated host label must be a single DNS label`, offset: tag.start })
      return
    }
    pattern.push(LABEL)
  }
  const literalLabels = labels.filter(l => !l.includes('\u0000'))
  if (!options.allowPrivateNetworks && literalLabels.length > 0 && isLocalhost(literalLabels[literalLabels.length - 1])) {
    problems.push({ message: "the host is under 'localhost'; upstreams on private networks need the upstream.allowPrivateNetworks setting", offset: start })
    return
  }
  shape.hostKind = 'label'
  shape.hostPattern = new RegExp(`^${pattern.join('\\.')}$`)
}

export type RenderedUrlCheck =
  | { ok: true, url: URL }
  | { ok: false, code: ErrorCode, message: string }

/**
 * The check the pipeline runs after rendering a URL whose host or origin came from a variable
 * (Connector.urlHostTemplated): https only (http with allowInsecure), no user information, no
 * literal local or private host, and the host shape the definition allows (Connector.urlHostPattern).
 * The connect-time SSRF guard still checks the resolved address.
 */
export function checkRenderedOrigin (url: string, options: UrlRuleOptions & { hostPattern?: RegExp }): RenderedUrlCheck {
  let u: URL
  try {
    u = new URL(url)
  } catch {
    return { ok: false, code: 'TEMPLATE_RENDER_ERROR', message: 'The rendered url is not a valid absolute URL (is a variable it uses missing?)' }
  }
  const scheme = schemeProblem(u.protocol.slice(0, -1), options)
  if (scheme !== undefined) return { ok: false, code: 'TEMPLATE_RENDER_ERROR', message: `The rendered url is not allowed: ${scheme}` }
  if (u.username !== '' || u.password !== '') {
    return { ok: false, code: 'TEMPLATE_RENDER_ERROR', message: 'The rendered url is not allowed: user information is not allowed in the URL' }
  }
  if (options.hostPattern !== undefined && !options.hostPattern.test(u.hostname)) {
    return { ok: false, code: 'TEMPLATE_RENDER_ERROR', message: `The rendered host '${u.hostname}' does not have the shape the connector's url allows` }
  }
  if (!options.allowPrivateNetworks && blockedHost(u.hostname)) {
    return { ok: false, code: 'DESTINATION_NOT_ALLOWED', message: `Destination host '${u.hostname}' is not allowed` }
  }
  return { ok: true, url: u }
}
