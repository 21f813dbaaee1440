// One upstream call (SPEC §7): no redirects followed, hop-by-hop headers dropped both ways, a
// whole-response deadline, a response size cap, and failures mapped to ConduitError codes. Error
// details name the host only: the URL's query may carry a secret.

import { EventEmitter } from 'node:events'
import { Transform } from 'node:stream'
import type { Readable } from 'node:stream'
import { performance } from 'node:perf_hooks'
import type { Dispatcher } from 'undici'
import { ConduitError } from '../errors.js'
import { isDestinationNotAllowed } from './dispatcher.js'
import type { UpstreamRequest, UpstreamResponse } from './types.js'

export interface SendOptions {
  /** Deadline for the whole call, body included. */
  timeoutMs: number
  maxResponseBytes: number
}

export interface UpstreamStreamResponse {
  status: number
  /** Same rules as UpstreamResponse.headers. */
  headers: Record<string, string>
  /** Errors with a ConduitError (UPSTREAM_TIMEOUT, UPSTREAM_RESPONSE_TOO_LARGE, ...) when the call fails mid-body. */
  body: Readable
  /** Milliseconds until the response headers arrived. */
  durationMs: number
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade'])
// Computed by undici from the body; a rendered value could only disagree with it.
const REQUEST_ONLY_DROPPED = new Set(['content-length', 'expect'])

const NO_TOKENS: ReadonlySet<string> = new Set()
const KEEP_ALIVE_TOKENS: ReadonlySet<string> = new Set(['keep-alive'])

function connectionTokens (value: string | string[] | undefined): ReadonlySet<string> {
  // Most messages have no Connection header or a bare keep-alive: no set to build.
  if (value === undefined || value === '') return NO_TOKENS
  if (value === 'keep-alive') return KEEP_ALIVE_TOKENS
  const text = Array.isArray(value) ? value.join(',') : value
  return new Set(text.split(',').map(t => t.trim().toLowerCase()).filter(t => t !== ''))
}

function isHopByHop (name: string, named: ReadonlySet<string>): boolean {
  return HOP_BY_HOP.has(name) || name.startsWith('proxy-') || named.has(name)
}

/** Request headers without hop-by-hop ones (and those the Connection header names). */
export function stripRequestHeaders (headers: Record<string, string>): Record<string, string> {
  let connection: string | undefined
  for (const name in headers) {
    if (name.length === 10 && name.toLowerCase() === 'connection') { connection = headers[name]; break }
  }
  const named = connectionTokens(connection)
  const out: Record<string, string> = {}
  for (const name in headers) {
    const lower = name.toLowerCase()
    if (!isHopByHop(lower, named) && !REQUEST_ONLY_DROPPED.has(lower)) out[name] = headers[name]
  }
  return out
}

/** Response headers: lowercase keys, multi-values joined with ', ', set-cookie and hop-by-hop dropped. */
export function cleanResponseHeaders (headers: Record<string, string | string[] | undefined>): Record<string, string> {
  let connection: string | string[] | undefined
  for (const name in headers) {
    if (name.length === 10 && name.toLowerCase() === 'connection' && headers[name] !== undefined) connection = headers[name]
  }
  const named = connectionTokens(connection)
  const out: Record<string, string> = {}
  for (const name in headers) {
    const value = headers[name]
    if (value === undefined) continue
    const lower = name.toLowerCase()
    if (lower === 'set-cookie' || isHopByHop(lower, named)) continue
    out[lower] = Array.isArray(value) ? value.join(', ') : value
  }
  return out
}

// `age` too: an HTTP-cache hit shows how old its answer is (SPEC §8).
const SAFE_RESPONSE_HEADERS = new Set(['content-type', 'content-language', 'cache-control', 'etag', 'last-modified', 'expires', 'retry-after', 'age'])

/** The upstream headers a caller may see (SPEC §2): never set-cookie, hop-by-hop or server. */
export function safeResponseHeaders (headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase()
    if (SAFE_RESPONSE_HEADERS.has(lower) || lower.startsWith('x-ratelimit-')) out[lower] = value
  }
  return out
}

const NETWORK_REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'host name lookup failed',
  EPIPE: 'connection closed',
  UND_ERR_SOCKET: 'connection closed by the upstream',
  UND_ERR_CLOSED: 'connection closed',
  HPE_INVALID_CONSTANT: 'invalid HTTP response',
  CERT_HAS_EXPIRED: 'TLS certificate has expired',
  ERR_TLS_CERT_ALTNAME_INVALID: 'TLS certificate does not match the host name',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'TLS certificate verification failed (self-signed certificate)',
  SELF_SIGNED_CERT_IN_CHAIN: 'TLS certificate verification failed (self-signed certificate in chain)',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'TLS certificate verification failed (unknown issuer)',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'TLS certificate verification failed (unknown issuer)'
}

function errorCode (err: unknown): string | undefined {
  for (let e = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code
    if (typeof code === 'string' && code !== 'UND_ERR_REQ_RETRY') return code
  }
  return undefined
}

/** Stops reading a body; the abort error this raises has no one else to go to. */
function discard (body: Readable): void {
  body.on('error', () => {})
  body.destroy()
}

interface CallContext {
  host: string
  timeoutMs: number
  maxResponseBytes: number
  timedOut: () => boolean
}

function tooLarge (ctx: CallContext): ConduitError {
  return new ConduitError('UPSTREAM_RESPONSE_TOO_LARGE', `Response from upstream ${ctx.host} exceeds the limit of ${ctx.maxResponseBytes} bytes`)
}

function toConduitError (err: unknown, ctx: CallContext): ConduitError {
  if (err instanceof ConduitError) return err
  if (isDestinationNotAllowed(err)) {
    return new ConduitError('DESTINATION_NOT_ALLOWED',
      `Destination ${ctx.host} is not allowed: it is or resolves to a loopback, private, link-local or reserved address`, { cause: err })
  }
  const code = errorCode(err)
  if (ctx.timedOut() || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
    return new ConduitError('UPSTREAM_TIMEOUT', `Upstream ${ctx.host} did not answer within ${ctx.timeoutMs} ms`, { cause: err })
  }
  if (code === 'UND_ERR_CONNECT_TIMEOUT') {
    return new ConduitError('UPSTREAM_TIMEOUT', `Connecting to upstream ${ctx.host} timed out`, { cause: err })
  }
  if (code === 'UND_ERR_INVALID_ARG' || code === 'UND_ERR_NOT_SUPPORTED') {
    // undici names the offending header, never its value.
    return new ConduitError('INVALID_CONNECTOR', `Request to upstream ${ctx.host} cannot be sent: ${(err as Error).message}`, { cause: err })
  }
  const reason = (code !== undefined ? NETWORK_REASONS[code] : undefined) ?? (code?.startsWith('ERR_TLS') === true ? 'TLS error' : 'network error')
  return new ConduitError('UPSTREAM_UNREACHABLE', `Upstream ${ctx.host} is unreachable: ${reason}`, { cause: err })
}

function targetOf (rawUrl: string): URL {
  let url: URL
  try {
    url = new URL(rawUrl)
  } catch {
    throw new ConduitError('INVALID_CONNECTOR', 'Upstream URL is not a valid absolute URL')
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConduitError('DESTINATION_NOT_ALLOWED', `Upstream URL scheme '${url.protocol.slice(0, -1)}' is not allowed; use http or https`)
  }
  return url
}

/** What undici reads from an EventEmitter signal: whether and why it aborted. */
type DeadlineSignal = EventEmitter & { aborted?: boolean, reason?: Error }

interface Started {
  ctx: CallContext
  response: Dispatcher.ResponseData
  headers: Record<string, string>
  startedAt: number
  clear: () => void
}

async function start (dispatcher: Dispatcher, req: UpstreamRequest, opts: SendOptions): Promise<Started> {
  const url = targetOf(req.url)
  const startedAt = performance.now()
  // undici takes an EventEmitter as its abort signal: far cheaper per call than an AbortController.
  const signal: DeadlineSignal = new EventEmitter()
  let timedOut = false
  const timer = setTimeout(() => {
    timedOut = true
    signal.aborted = true
    signal.reason = new Error('upstream deadline reached')
    signal.emit('abort')
  }, opts.timeoutMs)
  const clear = (): void => clearTimeout(timer)
  const ctx: CallContext = { host: url.host, timeoutMs: opts.timeoutMs, maxResponseBytes: opts.maxResponseBytes, timedOut: () => timedOut }
  try {
    // Straight to the dispatcher (what undici's request() wrapper ends in), without parsing the URL again.
    const response = await dispatcher.request({
      origin: url.origin,
      path: url.pathname + url.search,
      method: req.method.toUpperCase() as Dispatcher.HttpMethod,
      headers: stripRequestHeaders(req.headers),
      body: req.body ?? null,
      signal,
      headersTimeout: opts.timeoutMs,
      bodyTimeout: opts.timeoutMs
    })
    const declared = Number(response.headers['content-length'])
    if (Number.isFinite(declared) && declared > opts.maxResponseBytes) {
      discard(response.body)
      throw tooLarge(ctx)
    }
    return { ctx, response, headers: cleanResponseHeaders(response.headers), startedAt, clear }
  } catch (err) {
    clear()
    throw toConduitError(err, ctx)
  }
}

/** Performs one upstream call and reads the whole body (up to maxResponseBytes). */
export async function sendUpstream (dispatcher: Dispatcher, req: UpstreamRequest, opts: SendOptions): Promise<UpstreamResponse> {
  return await readWhole(await start(dispatcher, req, opts), opts)
}

async function readWhole ({ ctx, response, headers, startedAt, clear }: Started, opts: SendOptions): Promise<UpstreamResponse> {
  try {
    const chunks: Buffer[] = []
    let size = 0
    for await (const chunk of response.body) {
      const buf = chunk as Buffer
      size += buf.length
      if (size > opts.maxResponseBytes) {
        discard(response.body)
        throw tooLarge(ctx)
      }
      chunks.push(buf)
    }
    return { status: response.statusCode, headers, body: Buffer.concat(chunks, size), durationMs: performance.now() - startedAt }
  } catch (err) {
    throw toConduitError(err, ctx)
  } finally {
    clear()
  }
}

/** Like sendUpstream, for pass-through: the body streams to the caller with the same deadline and cap. */
export async function streamUpstream (dispatcher: Dispatcher, req: UpstreamRequest, opts: SendOptions): Promise<UpstreamStreamResponse> {
  return streamBody(await start(dispatcher, req, opts), opts)
}

/**
 * streamUpstream, except that a body whose declared Content-Length is at most bufferUpToBytes is
 * read whole (as sendUpstream does): the caller then gets it with a Content-Length in one write
 * instead of chunked.
 */
export async function forwardUpstream (
  dispatcher: Dispatcher, req: UpstreamRequest, opts: SendOptions & { bufferUpToBytes: number }
): Promise<UpstreamStreamResponse | UpstreamResponse> {
  const started = await start(dispatcher, req, opts)
  const declared = started.headers['content-length']
  if (declared !== undefined && /^\d{1,15}$/.test(declared) && Number(declared) <= opts.bufferUpToBytes) {
    return await readDeclared(started)
  }
  return streamBody(started, opts)
}

/**
 * A body of a declared length that start() already held against the cap: the HTTP parser delivers
 * exactly that many bytes, so it is read in one go without counting chunks.
 */
async function readDeclared ({ ctx, response, headers, startedAt, clear }: Started): Promise<UpstreamResponse> {
  try {
    const body = Buffer.from(await response.body.arrayBuffer())
    return { status: response.statusCode, headers, body, durationMs: performance.now() - startedAt }
  } catch (err) {
    throw toConduitError(err, ctx)
  } finally {
    clear()
  }
}

function streamBody ({ ctx, response, headers, startedAt, clear }: Started, opts: SendOptions): UpstreamStreamResponse {
  const source = response.body
  let size = 0
  const limited = new Transform({
    transform (chunk: Buffer, _encoding, callback) {
      size += chunk.length
      if (size > opts.maxResponseBytes) callback(tooLarge(ctx))
      else callback(null, chunk)
    }
  })
  source.on('error', err => limited.destroy(toConduitError(err, ctx)))
  limited.on('close', () => {
    clear()
    if (!source.destroyed) discard(source)
  })
  source.pipe(limited)
  return { status: response.statusCode, headers, body: limited, durationMs: performance.now() - startedAt }
}
