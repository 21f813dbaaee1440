// One request step (SPEC §3, stages 2–8): render the URL, headers, query and authentication, the
// request body; send through the interceptor chain (cache lookup, then undici); render the response
// template. A connector call is one step (execute.ts), a composite call n steps (composite.ts):
// this is the only module that walks a step's fields at request time.
import { Readable } from 'node:stream'
import type { Dispatcher } from 'undici'
import type { Step } from '../registry/types.js'
import { applyAuthentication, renderAuthentication } from '../auth/apply.js'
import { forwardUpstream, sendUpstream, streamUpstream } from '../upstream/send.js'
import { safeResponseHeaders } from '../upstream/headers.js'
import { readBody } from '../upstream/read-body.js'
import type { HttpExchange, RenderContext } from '../template/types.js'
import { appendQuery, applyAuthQuery, checkHeaderValue, mergeHeaders, mergeQuery, renderError, renderField, renderUrl } from './merge.js'
import type { CallTiming } from './timing.js'
import type { Call, ExecuteDeps, Result } from './types.js'
import { afterUpstreamStatus, timedUpstream } from './upstream-call.js'

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH'])
/**
 * A pass-through body whose declared length is at most this is read whole and sent with a
 * Content-Length in one write, instead of streamed chunked; larger ones stream.
 */
const BUFFER_UP_TO_BYTES = 64 * 1024

/** What the caller side gives one step: render contexts, caller input, and where errors point. */
export interface StepCall {
  /** Context of the URL template: no secrets (SPEC §4.3). */
  context: RenderContext
  /** Context of header, query and authentication templates: `context` plus the secrets. */
  withSecrets: RenderContext
  /** Context of the request body template. */
  bodyContext: RenderContext
  /** What the response template sees besides `response`. */
  responseContext: RenderContext
  callerHeaders: Call['headers']
  /** Caller query pairs to merge (a composite step passes only its configured keys). */
  callerQuery: Call['query']
  /** The caller's payload text, sent as the body when the step has no request template. */
  bodyText: string | undefined
  /** Prefix of field paths in error messages: '' for a connector, 'steps[i].' for a composite step. */
  field: string
  /** 'forward' passes a body without response template through (streamed when large); 'whole' always reads it. */
  read: 'whole' | 'forward'
  /** The connector or composite the step belongs to: a cache's namespace, a metric's label. */
  permalink: string
  /** The call's X-Request-ID, sent upstream too (SPEC §18). */
  requestId: string
  timing: CallTiming
}

/** What a step answers: the caller's result, and the exchange later composite steps read as `steps.<name>`. */
export interface StepResult {
  result: Result
  /** Only for `read: 'whole'`. */
  exchange?: HttpExchange
}

/** The request a step is about to send, as interceptors see it. */
export interface Outbound {
  /** The step being run (its compiled fields and facts). */
  step: Step
  /** Connector or composite permalink. */
  permalink: string
  /** The call's request id (SPEC §18: sent upstream as X-Request-ID). */
  requestId: string
  method: string
  /** Final URL, query included. */
  url: string
  /** Rendered and merged, authentication included. */
  headers: Record<string, string>
  body: string | undefined
  timeoutMs: number
  maxResponseBytes: number
  /**
   * How the body must come back: 'whole' a Buffer; 'forward' a Buffer when small and declared,
   * else a stream; 'stream' always a stream (HEAD pass-through).
   */
  read: 'whole' | 'forward' | 'stream'
  timing: CallTiming
  dispatcher: Dispatcher
}

/** An upstream answer: cleaned headers (lowercase, hop-by-hop and set-cookie dropped). */
export interface Inbound {
  status: number
  headers: Record<string, string>
  body: Buffer | Readable
}

/** Sends one Outbound and answers with the upstream's response. */
export type Send = (req: Outbound) => Promise<Inbound>

/**
 * A cross-cutting stage around every upstream call of every step (connectors and composite steps
 * alike), in the manner of undici's interceptors (`dispatch => (opts, handler) => …`): it gets the
 * next Send and returns a Send. It may answer without calling `next` (a cache hit), call it more
 * than once (a retry), or observe around it (metrics, tracing). Time spent before `next` belongs to
 * the stage: lap it with `req.timing.lap('cache')` (or the stage it is), else it is counted as
 * external time. An interceptor must not keep header values: they carry credentials.
 *
 * @example
 * // Count upstream answers by connector and status (metrics of SPEC §18).
 * const countStatus = (counter: Counter): StepInterceptor => next => async req => {
 *   const res = await next(req)
 *   counter.inc({ connector: req.permalink, status: String(res.status) })
 *   return res
 * }
 * // A cache answers GET hits itself and stores what the upstream sent on a miss.
 * const cache = (store: Store): StepInterceptor => next => async req => {
 *   if (req.method !== 'GET') return await next(req)
 *   const hit = await store.get(keyOf(req))
 *   req.timing.lap('cache')
 *   if (hit !== undefined) { req.timing.cacheHit = true; return hit }
 *   return await next({ ...req, read: 'whole' }).then(res => store.put(keyOf(req), res))
 * }
 * const deps = { ...baseDeps, send: composeSend([countStatus(counter), cache(store)]) }
 */
export type StepInterceptor = (next: Send) => Send

/** The innermost Send: undici through the injected dispatcher, timed as external. */
export const sendDirect: Send = (req) => {
  const limits = { timeoutMs: req.timeoutMs, maxResponseBytes: req.maxResponseBytes, bufferUpToBytes: BUFFER_UP_TO_BYTES }
  const request = { url: req.url, method: req.method, headers: req.headers, body: req.body }
  return timedUpstream(req.timing, req.read === 'whole'
    ? sendUpstream(req.dispatcher, request, limits)
    : req.read === 'stream'
      ? streamUpstream(req.dispatcher, request, limits)
      : forwardUpstream(req.dispatcher, request, limits))
}

/** The Send of a list of interceptors, the first one outermost, around `base` (undici by default). */
export function composeSend (interceptors: readonly StepInterceptor[], base: Send = sendDirect): Send {
  let send = base
  for (let i = interceptors.length - 1; i >= 0; i--) send = interceptors[i](send)
  return send
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

/** Runs one step: render → auth → body → send (interceptors, cache, undici) → response template. */
export async function runStep (step: Step, call: StepCall, deps: ExecuteDeps): Promise<StepResult> {
  const { settings } = deps
  const { timing, withSecrets, field: p } = call
  const { url, host } = renderUrl(step.url, step.target, call.context, `${p}url`)
  timing.externalHost = host

  // 2-3. Caller input merged with the definition; header and query templates.
  const headers = mergeHeaders(step.headers, call.callerHeaders, withSecrets)
  let query = mergeQuery(step.query, call.callerQuery, withSecrets, step.queryKeys)
  const timeoutMs = step.timeoutMs ?? settings.upstream.timeoutMs

  // 4. Authentication.
  let tokenCacheKey: string | undefined
  const def = step.authentication
  if (def.type !== 'none') {
    let rendered
    try {
      rendered = renderAuthentication(def, withSecrets)
    } catch (err) {
      throw renderError(err, `${p}authentication`, withSecrets)
    }
    timing.lap('transform')
    const applied = applyAuthentication(def, rendered, {
      dispatcher: deps.dispatcher,
      timeoutMs,
      clock: deps.clock,
      tokenCache: deps.tokenCache,
      signingKeys: deps.signingKeys,
      allowInsecure: settings.upstream.allowInsecure
    })
    const auth = applied instanceof Promise ? await applied : applied
    timing.lap('external')
    tokenCacheKey = auth.tokenCacheKey
    for (const name of Object.keys(auth.headers)) {
      checkHeaderValue(name, auth.headers[name], `${p}authentication`)
      setHeader(headers, name, auth.headers[name])
    }
    query = applyAuthQuery(query, auth.query)
  }

  // 5. Request body: only POST, PUT and PATCH send one.
  let body: string | undefined
  if (BODY_METHODS.has(step.method)) {
    body = step.requestBody === null ? call.bodyText : renderField(step.requestBody, call.bodyContext, `${p}request_body`)
    if (body !== undefined && !hasHeader(headers, 'content-type')) headers['content-type'] = 'application/json'
  }
  timing.lap('transform')

  // 6-7. Cache lookup and forward: whatever interceptors deps.send holds, then undici.
  const template = step.responseBody
  const read = call.read === 'whole' || template !== null
    ? 'whole'
    // A HEAD answer declares the length of a body it does not send: always streamed.
    : step.method === 'HEAD' ? 'stream' : 'forward'
  const upstream = await (deps.send ?? sendDirect)({
    step,
    permalink: call.permalink,
    requestId: call.requestId,
    method: step.method,
    url: appendQuery(url, query),
    headers,
    body,
    timeoutMs,
    maxResponseBytes: settings.upstream.maxResponseBytes,
    read,
    timing,
    dispatcher: deps.dispatcher
  })
  afterUpstreamStatus(upstream.status, step.secretNames, tokenCacheKey, deps)

  // 8. Response template on every status; content-type override; safe headers only.
  const outHeaders = safeResponseHeaders(upstream.headers)
  if (step.responseContentType !== '') outHeaders['content-type'] = step.responseContentType
  if (read !== 'whole') return { result: await passThrough(upstream, outHeaders, timing) }

  const raw = upstream.body as Buffer
  const response: HttpExchange = { body: parseBody(raw), status_code: upstream.status, headers: upstream.headers }
  if (template === null) {
    timing.lap('transform')
    return { result: { status: upstream.status, headers: outHeaders, body: raw }, exchange: response }
  }
  let out: string
  try {
    out = template.render({ ...call.responseContext, response })
  } catch (err) {
    throw renderError(err, `${p}response_body`, withSecrets, 'RESPONSE_TEMPLATE_RENDER_ERROR')
  }
  timing.lap('transform')
  const result = { status: upstream.status, headers: outHeaders, body: out }
  if (call.read !== 'whole') return { result }
  // Later steps read what this step's response template made of the answer.
  return { result, exchange: { body: parseBody(out), status_code: upstream.status, headers: upstream.headers } }
}

/** A body without response template, to the caller as it came. */
async function passThrough (upstream: Inbound, headers: Record<string, string>, timing: CallTiming): Promise<Result> {
  // A declared length was checked against the cap before any byte: stream it. Without one the
  // cap can only be enforced by reading first, before the caller has seen a status line.
  if (upstream.headers['content-length'] !== undefined || !(upstream.body instanceof Readable)) {
    return { status: upstream.status, headers, body: upstream.body }
  }
  const body = await readBody(upstream.body)
  timing.lap('external')
  return { status: upstream.status, headers, body }
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
