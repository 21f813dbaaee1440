// Caller input × connector definition (SPEC §2): configured rows win unless overridable, an
// overridable row takes the caller's value when given, unconfigured caller query parameters are
// forwarded and unconfigured caller headers are dropped. Query values are percent-encoded.
import { ConduitError } from '../errors.js'
import type { KeyValueRow } from '../registry/types.js'
import { TemplateRenderError } from '../template/types.js'
import type { CompiledTemplate, RenderContext } from '../template/types.js'
import { scrub } from '../secrets/redact.js'
import type { UrlTarget } from '../upstream/url-template.js'

// What undici accepts in a header value (RFC 9110 field-value, obs-text allowed).
const BAD_HEADER_VALUE = /[^\t\x20-\x7e\x80-\xff]/

/** Renders one request-side field; a render failure names the field. */
export function renderField (template: CompiledTemplate, context: RenderContext, field: string): string {
  if (template.isStatic) return template.source
  try {
    return template.render(context)
  } catch (err) {
    throw renderError(err, field, context)
  }
}

/**
 * Renders a URL template and checks the origin it produced against the step's target (destination
 * policy and host shape, decided at load). Returns the URL text and its host.
 */
export function renderUrl (template: CompiledTemplate, target: UrlTarget, context: RenderContext, field: string): { url: string, host: string } {
  if (target.fixed !== undefined) return target.fixed
  const url = renderField(template, context, field)
  const origin = target.policy.checkRendered(url, target.hostPattern)
  if (!origin.ok) throw new ConduitError(origin.code, origin.message)
  return { url, host: origin.url.host }
}

export function renderError (err: unknown, field: string, context: RenderContext, code: 'TEMPLATE_RENDER_ERROR' | 'RESPONSE_TEMPLATE_RENDER_ERROR' = 'TEMPLATE_RENDER_ERROR'): ConduitError {
  if (err instanceof ConduitError) return err
  const message = err instanceof TemplateRenderError ? err.message : 'the template could not be rendered'
  // Template errors never quote values, but a secret must not leave even if one did.
  const secrets = context.secrets === undefined ? [] : Object.values(context.secrets)
  return new ConduitError(code, `${field}: ${scrub(message, secrets)}`)
}

function callerHeader (headers: Readonly<Record<string, string | string[] | undefined>>, key: string): string | undefined {
  const v = headers[key.toLowerCase()]
  return Array.isArray(v) ? v.join(', ') : v
}

export function checkHeaderValue (name: string, value: string, field: string): void {
  if (BAD_HEADER_VALUE.test(value)) {
    throw new ConduitError('TEMPLATE_RENDER_ERROR', `${field}: header '${name}' rendered to a value with a line break or control character`)
  }
}

/** renderField for row i of a list: the field's name is only built when rendering fails. */
function renderRow (template: CompiledTemplate, context: RenderContext, list: string, i: number): string {
  if (template.isStatic) return template.source
  try {
    return template.render(context)
  } catch (err) {
    throw renderError(err, `${list}[${i}].value`, context)
  }
}

/** Configured headers only; an overridable one takes the caller's header when present. */
export function mergeHeaders (
  rows: readonly KeyValueRow[],
  callerHeaders: Readonly<Record<string, string | string[] | undefined>>,
  context: RenderContext
): Record<string, string> {
  const out: Record<string, string> = {}
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]
    const given = row.overridable ? callerHeader(callerHeaders, row.key) : undefined
    const value = given ?? renderRow(row.value, context, 'headers', i)
    if (BAD_HEADER_VALUE.test(value)) checkHeaderValue(row.key, value, `headers[${i}].value`)
    out[row.key] = value
  }
  return out
}

/**
 * Configured rows first (in order), then the caller's unconfigured parameters. `keys` are the
 * rows' keys (a compiled step carries them as `queryKeys`).
 */
export function mergeQuery (
  rows: readonly KeyValueRow[],
  callerQuery: ReadonlyArray<readonly [string, string]>,
  context: RenderContext,
  keys?: ReadonlySet<string>
): Array<[string, string]> {
  const out: Array<[string, string]> = []
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]
    let value: string | undefined
    if (row.overridable) {
      for (const [k, v] of callerQuery) {
        if (k === row.key) { value = v; break }
      }
    }
    out.push([row.key, value ?? renderRow(row.value, context, 'query_parameters', i)])
  }
  if (callerQuery.length === 0) return out
  const configured = keys ?? new Set(rows.map(r => r.key))
  for (const pair of callerQuery) {
    if (!configured.has(pair[0])) out.push([pair[0], pair[1]])
  }
  return out
}

/** Query pairs from authentication replace every pair of the same key (they win over the caller). */
export function applyAuthQuery (pairs: Array<[string, string]>, authPairs: ReadonlyArray<readonly [string, string]>): Array<[string, string]> {
  if (authPairs.length === 0) return pairs
  const keys = new Set(authPairs.map(p => p[0]))
  const out = pairs.filter(p => !keys.has(p[0]))
  for (const [k, v] of authPairs) out.push([k, v])
  return out
}

/** Appends percent-encoded pairs to a rendered URL (keeping any query it already has, dropping a fragment). */
export function appendQuery (url: string, pairs: ReadonlyArray<readonly [string, string]>): string {
  const hash = url.indexOf('#')
  const base = hash === -1 ? url : url.slice(0, hash)
  if (pairs.length === 0) return base
  let qs = ''
  for (const [k, v] of pairs) {
    qs += (qs === '' ? '' : '&') + encodeURIComponent(k) + '=' + encodeURIComponent(v)
  }
  const sep = !base.includes('?') ? '?' : (base.endsWith('?') || base.endsWith('&') ? '' : '&')
  return base + sep + qs
}
