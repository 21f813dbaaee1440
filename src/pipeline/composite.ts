// Composite connectors (SPEC §15): steps run in order, each sees the earlier steps' responses as
// `steps.<name>` and the caller's request as `request.*`; the caller receives the last step's
// response. Failures name the step and its index in the scope.
import { performance } from 'node:perf_hooks'
import { ConduitError, isConduitError } from '../errors.js'
import type { CompositeConnector, CompositeStep } from '../registry/types.js'
import { applyAuthentication, renderAuthentication } from '../auth/apply.js'
import { safeResponseHeaders, sendUpstream } from '../upstream/send.js'
import type { HttpExchange, RenderContext } from '../template/types.js'
import { appendQuery, applyAuthQuery, checkHeaderValue, mergeHeaders, mergeQuery, renderError, renderField, renderUrl } from './merge.js'
import { compositeFieldsUsing } from './fields.js'
import { resolveValues } from './values.js'
import { parseBody } from './execute.js'
import { ANONYMOUS_USER } from './caller-identity.js'
import type { Call, ExecuteDeps, Result } from './types.js'
import { afterUpstreamStatus, timedUpstream } from './upstream-call.js'

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH'])
const NETWORK_CODES = new Set(['UPSTREAM_TIMEOUT', 'UPSTREAM_UNREACHABLE', 'UPSTREAM_RESPONSE_TOO_LARGE', 'DESTINATION_NOT_ALLOWED'])

interface Names { permalink: string, secretNames: string[], variableNames: string[] }
// Computed once per composite definition (a reload brings new objects).
const namesCache = new WeakMap<CompositeConnector, Names>()

function namesOf (composite: CompositeConnector): Names {
  let names = namesCache.get(composite)
  if (names === undefined) {
    names = {
      permalink: composite.permalink,
      secretNames: [...new Set(composite.steps.flatMap(s => s.secretNames))],
      variableNames: [...new Set(composite.steps.flatMap(s => s.variableNames))]
    }
    namesCache.set(composite, names)
  }
  return names
}

function stepScope (step: CompositeStep, index: number, what: string): string {
  return `Composite step '${step.name}' (index ${index}): ${what}`
}

/** Re-scopes an error raised inside a step so the caller knows which step failed and how. */
function inStep (err: unknown, step: CompositeStep, index: number): unknown {
  if (!isConduitError(err)) return err
  let what: string
  if (err.code === 'TEMPLATE_RENDER_ERROR' || err.code === 'RESPONSE_TEMPLATE_RENDER_ERROR') what = 'Configuration (template rendering)'
  else if (NETWORK_CODES.has(err.code)) what = 'Downstream (network/external service)'
  else what = err.scope ?? err.code
  return new ConduitError(err.code, err.message, { scope: stepScope(step, index, what), params: err.params })
}

function flatHeaders (headers: Call['headers']): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined || k === 'authorization' || k === 'cookie') continue
    out[k] = Array.isArray(v) ? v.join(', ') : v
  }
  return out
}

export async function executeComposite (composite: CompositeConnector, call: Call, deps: ExecuteDeps): Promise<Result> {
  const timing = call.timing
  if (composite.requiresUser === true && call.user === ANONYMOUS_USER) {
    throw new ConduitError('AUTHENTICATION_REQUIRED', `Composite connector '${composite.permalink}' needs an authenticated caller: send 'Authorization: Bearer <JWT>'`)
  }
  const values = await resolveValues(namesOf(composite), (_owner, kind, name) => compositeFieldsUsing(composite, kind, name), deps)
  timing.lap('setup')

  const steps: Record<string, HttpExchange> = {}
  const base: RenderContext = {
    user: call.user,
    tenant_id: call.tenantId,
    variables: values.variables,
    clock: deps.clock,
    steps,
    request: {
      body_text: call.bodyText ?? '',
      body_raw: call.bodyRaw ?? null,
      headers: flatHeaders(call.headers),
      query_parameters: Object.fromEntries(call.query)
    }
  }
  const withSecrets: RenderContext = { ...base, secrets: values.secrets }
  let last: Result | undefined

  for (let i = 0; i < composite.steps.length; i++) {
    const step = composite.steps[i]
    const started = performance.now()
    try {
      last = await runStep(step, i, call, deps, base, withSecrets, steps)
    } catch (err) {
      throw inStep(err, step, i)
    } finally {
      timing.steps.push({ name: step.name, ms: performance.now() - started })
    }
    if (last.status >= 400) {
      throw new ConduitError('COMPOSITE_STEP_FAILED', `Step '${step.name}' answered HTTP ${last.status}`, {
        scope: stepScope(step, i, 'Downstream (HTTP error)'),
        params: { step: step.name, index: i, status: last.status }
      })
    }
  }
  return last as Result
}

async function runStep (
  step: CompositeStep, index: number, call: Call, deps: ExecuteDeps,
  base: RenderContext, withSecrets: RenderContext, steps: Record<string, HttpExchange>
): Promise<Result> {
  const { settings } = deps
  const timing = call.timing
  const p = `steps[${index}].`
  const { url, host } = renderUrl(step.url, step.urlHostPattern, base, settings.upstream, `${p}url`)
  timing.externalHost = host

  // Only configured rows are sent; an overridable one takes the caller's value.
  const headers = mergeHeaders(step.headers, call.headers, withSecrets)
  const configured = new Set(step.query.map(r => r.key))
  let query = mergeQuery(step.query, call.query.filter(q => configured.has(q[0])), withSecrets)
  const timeoutMs = step.timeoutMs ?? settings.upstream.timeoutMs

  let tokenCacheKey: string | undefined
  if (step.authentication.type !== 'none') {
    let rendered
    try {
      rendered = renderAuthentication(step.authentication, withSecrets)
    } catch (err) {
      throw renderError(err, `${p}authentication`, withSecrets)
    }
    timing.lap('transform')
    const auth = await applyAuthentication(step.authentication, rendered, { dispatcher: deps.dispatcher, timeoutMs, clock: deps.clock, tokenCache: deps.tokenCache, allowInsecure: deps.settings.upstream.allowInsecure })
    timing.lap('external')
    tokenCacheKey = auth.tokenCacheKey
    for (const [name, value] of Object.entries(auth.headers)) {
      for (const k of Object.keys(headers)) if (k.toLowerCase() === name.toLowerCase()) delete headers[k]
      checkHeaderValue(name, value, `${p}authentication`)
      headers[name] = value
    }
    query = applyAuthQuery(query, auth.query)
  }

  let body: string | undefined
  if (BODY_METHODS.has(step.method)) {
    body = step.requestBody === null ? call.bodyText : renderField(step.requestBody, base, `${p}request_body`)
    if (body !== undefined && !Object.keys(headers).some(k => k.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json'
  }
  timing.lap('transform')
  timing.lap('cache')

  const upstream = await timedUpstream(timing, async () => await sendUpstream(deps.dispatcher, { url: appendQuery(url, query), method: step.method, headers, body }, {
    timeoutMs, maxResponseBytes: settings.upstream.maxResponseBytes
  }))
  afterUpstreamStatus(upstream.status, step.secretNames, tokenCacheKey, deps)

  const response: HttpExchange = { body: parseBody(upstream.body), status_code: upstream.status, headers: upstream.headers }
  const outHeaders = safeResponseHeaders(upstream.headers)
  if (step.responseContentType !== '') outHeaders['content-type'] = step.responseContentType
  let out: string | Buffer = upstream.body
  if (step.responseBody !== null) {
    try {
      out = step.responseBody.render({ ...base, response })
    } catch (err) {
      throw renderError(err, `${p}response_body`, withSecrets, 'RESPONSE_TEMPLATE_RENDER_ERROR')
    }
    // Later steps read what this step's response template made of the answer.
    steps[step.name] = { body: parseBody(out), status_code: upstream.status, headers: upstream.headers }
  } else {
    steps[step.name] = response
  }
  timing.lap('transform')
  return { status: upstream.status, headers: outHeaders, body: out }
}
