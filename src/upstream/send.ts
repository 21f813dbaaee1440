// One upstream call (SPEC §7): no redirects followed, a whole-response deadline and a response size
// cap. Header hygiene is headers.ts, the mapping of failures to ConduitError codes upstream-errors.ts.

import { EventEmitter } from 'node:events'
import { Transform } from 'node:stream'
import type { Readable } from 'node:stream'
import { performance } from 'node:perf_hooks'
import type { Dispatcher } from 'undici'
import { ConduitError } from '../errors.js'
import { cleanResponseHeaders, stripRequestHeaders } from './headers.js'
import { discard, toConduitError, tooLarge, type CallContext } from './upstream-errors.js'
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
  const started = await start(dispatcher, req, opts)
  // A declared length was already held against the cap: read it in one go (no async iteration).
  return hasDeclaredLength(started.headers) ? await readDeclared(started) : await readWhole(started, opts)
}

function hasDeclaredLength (headers: Record<string, string>): boolean {
  const declared = headers['content-length']
  return declared !== undefined && /^\d{1,15}$/.test(declared)
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
  if (hasDeclaredLength(started.headers) && Number(started.headers['content-length']) <= opts.bufferUpToBytes) {
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
