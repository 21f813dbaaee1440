// execute(connector, call, deps) → Result, in the order of SPEC §3. Everything compiled is already
// compiled (registry load); per request this resolves secrets once, renders, sends and renders back.
import { Readable } from 'node:stream'
import { ConduitError } from '../errors.js'
import type { Connector } from '../registry/types.js'
import { applyAuthentication, renderAuthentication } from '../auth/apply.js'
import type { AuthOutcome } from '../auth/types.js'
import { forwardUpstream, safeResponseHeaders, sendUpstream, streamUpstream } from '../upstream/send.js'
import type { RenderContext } from '../template/types.js'
import { appendQuery, applyAuthQuery, checkHeaderValue, mergeHeaders, mergeQuery, renderError, renderField, renderUrl } from './merge.js'
import { resolvePathParams } from './path-params.js'
import { fieldsUsing } from './fields.js'
import { resolveValues, resolveValuesCached } from './values.js'
import { ANONYMOUS_USER } from './caller-identity.js'
import type { Call, ExecuteDeps, Result } from './types.js'
import { afterUpstreamStatus, timedUpstream } from './upstream-call.js'

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH'])
/**
 * A pass-through body whose declared length is at most this is read whole and sent with a
 * Content-Length in one write, instead of streamed chunked; larger ones stream.
 */
const BUFFER_UP_TO_BYTES = 64 * 1024

export async function execute (connector: Connector, call: Call, deps: ExecuteDeps): Promise<Result> {
  const timing = call.timing
  const { settings } = deps

  // 1-2. Caller checks and path parameters.
  if (connector.requiresUser && call.user === ANONYMOUS_USER) {
    throw new ConduitError('AUTHENTICATION_REQUIRED', `Connector '${connector.permalink}' needs an authenticated caller: send 'Authorization: Bearer <JWT>'`)
  }
  const pathParams = resolvePathParams(connector, call.pathParams)

  // 3. Secrets and variables, once per request, in parallel through the cache.
  const values = resolveValuesCached(connector, fieldsUsing, deps) ?? await resolveValues(connector, fieldsUsing, deps)
  if (call.debug !== undefined) {
    call.debug.variables = values.variables
    call.debug.pathParams = pathParams
  }
  timing.lap('setup')

  const base: RenderContext = {
    user: call.user,
    tenant_id: call.tenantId,
    pathParams,
    variables: values.variables,
    clock: deps.clock
  }
  const withSecrets: RenderContext = { ...base, secrets: values.secrets }

  const { url, host } = renderUrl(connector.url, connector.urlHostPattern, base, settings.upstream, 'url')
  timing.externalHost = host

  const headers = mergeHeaders(connector.headers, call.headers, withSecrets)
  let query = mergeQuery(connector.query, call.query, withSecrets)

  // 4. Authentication.
  let auth: AuthOutcome | undefined
  const def = connector.authentication
  if (def.type !== 'none') {
    let rendered
    try {
      rendered = renderAuthentication(def, withSecrets)
    } catch (err) {
      throw renderError(err, 'authentication', withSecrets)
    }
    timing.lap('transform')
    auth = await applyAuthentication(def, rendered, {
      dispatcher: deps.dispatcher,
      timeoutMs: connector.timeoutMs ?? settings.upstream.timeoutMs,
      clock: deps.clock,
      tokenCache: deps.tokenCache,
      allowInsecure: settings.upstream.allowInsecure
    })
    timing.lap('external')
    for (const name of Object.keys(auth.headers)) {
      setHeader(headers, name, auth.headers[name])
      checkHeaderValue(name, auth.headers[name], 'authentication')
    }
    query = applyAuthQuery(query, auth.query)
  }

  // 5. Request body: only POST, PUT and PATCH send one.
  let body: string | undefined
  if (BODY_METHODS.has(connector.method)) {
    if (connector.requestBody !== null) {
      body = renderField(connector.requestBody, {
        user: call.user,
        tenant_id: call.tenantId,
        body_text: call.bodyText ?? '',
        body_raw: call.bodyRaw ?? null,
        clock: deps.clock
      }, 'request_body')
    } else {
      body = call.bodyText
    }
    if (body !== undefined && !hasHeader(headers, 'content-type')) headers['content-type'] = 'application/json'
  }
  timing.lap('transform')

  // 6. Cache lookup: no cache yet, every call is a miss.
  timing.lap('cache')

  // 7. Forward.
  const request = { url: appendQuery(url, query), method: connector.method, headers, body }
  const limits = {
    timeoutMs: connector.timeoutMs ?? settings.upstream.timeoutMs,
    maxResponseBytes: settings.upstream.maxResponseBytes,
    bufferUpToBytes: BUFFER_UP_TO_BYTES
  }
  const responseTemplate = connector.responseBody
  const upstream = await timedUpstream(timing, async () => responseTemplate !== null
    ? await sendUpstream(deps.dispatcher, request, limits)
    // A HEAD answer declares the length of a body it does not send: always streamed.
    : connector.method === 'HEAD'
      ? await streamUpstream(deps.dispatcher, request, limits)
      : await forwardUpstream(deps.dispatcher, request, limits))
  afterUpstreamStatus(upstream.status, connector.secretNames, auth?.tokenCacheKey, deps)

  // 8. Response template on every status; content-type override; safe headers only.
  const outHeaders = safeResponseHeaders(upstream.headers)
  if (connector.responseContentType !== '') outHeaders['content-type'] = connector.responseContentType
  if (responseTemplate === null) {
    // A declared length was checked against the cap before any byte: stream it. Without one the
    // cap can only be enforced by reading first, before the caller has seen a status line.
    if (upstream.headers['content-length'] !== undefined || !(upstream.body instanceof Readable)) {
      return { status: upstream.status, headers: outHeaders, body: upstream.body }
    }
    const body = await readAll(upstream.body)
    timing.lap('external')
    return { status: upstream.status, headers: outHeaders, body }
  }
  const context: RenderContext = {
    user: call.user,
    tenant_id: call.tenantId,
    clock: deps.clock,
    response: {
      body: parseBody(upstream.body as Buffer),
      status_code: upstream.status,
      headers: upstream.headers
    }
  }
  let out: string
  try {
    out = responseTemplate.render(context)
  } catch (err) {
    throw renderError(err, 'response_body', withSecrets, 'RESPONSE_TEMPLATE_RENDER_ERROR')
  }
  timing.lap('transform')
  return { status: upstream.status, headers: outHeaders, body: out }
}

async function readAll (stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of stream) {
    const buf = chunk as Buffer
    size += buf.length
    chunks.push(buf)
  }
  return Buffer.concat(chunks, size)
}

function hasHeader (headers: Record<string, string>, lower: string): boolean {
  for (const k of Object.keys(headers)) if (k.toLowerCase() === lower) return true
  return false
}

function setHeader (headers: Record<string, string>, name: string, value: string): void {
  const lower = name.toLowerCase()
  for (const k of Object.keys(headers)) if (k.toLowerCase() === lower) delete headers[k]
  headers[name] = value
}

const UTF8 = new TextDecoder('utf-8', { fatal: true })

/**
 * `response.body` (and a composite's `steps.<name>.body`): the upstream body as UTF-8 text, None
 * when the bytes are not valid UTF-8 (SPEC §4.3). Never parsed: templates read JSON with `from_json`.
 */
export function parseBody (body: Buffer | string): string | null {
  if (typeof body === 'string') return body
  try {
    return UTF8.decode(body)
  } catch {
    return null
  }
}
