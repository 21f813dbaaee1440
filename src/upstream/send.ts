// One upstream call (SPEC §7): no redirects followed, a whole-response deadline and a response size
// cap. Header hygiene is headers.ts, the mapping of failures to ConduitError codes upstream-errors.ts.
//
// The call goes straight to `dispatcher.dispatch()` with a handler of its own (undici's documented
// controller-style DispatchHandler) instead of `dispatcher.request()`: a small answer is collected
// into one Buffer as its bytes arrive, and a Readable exists only for a body that streams. Measured
// on loopback, request() plus reading its body stream cost about 40% more of a proxy's CPU per call
// (its per-request AsyncResource, body stream and stream consumption), every call of the gateway.
import { Readable } from 'node:stream'
import { performance } from 'node:perf_hooks'
import type { Dispatcher } from 'undici'
import { ConduitError } from '../errors.js'
import { cleanResponseHeaders, stripRequestHeaders } from './headers.js'
import { toConduitError, tooLarge, type CallContext } from './upstream-errors.js'
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

/**
 * How the body comes back: 'whole' read into a Buffer; 'stream' always a Readable; 'forward' a
 * Buffer when its declared length is at most `bufferUpToBytes`, else a Readable.
 */
type BodyMode = 'whole' | 'stream' | 'forward'

function parseTarget (rawUrl: string): URL {
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

/** Where a call goes, as undici takes it. */
interface Target {
  origin: string
  host: string
  /** Path and query. */
  path: string
}

/**
 * The parsed part of each URL before its query: most calls of a connector share it, and parsing
 * it costs about a microsecond per call. Cleared when full (URLs with path parameters vary).
 */
const bases = new Map<string, { origin: string, host: string, pathname: string }>()
const MAX_BASES = 1024
/** A query the URL parser keeps as it is (special schemes): nothing to percent-encode or strip. */
const QUERY_AS_IS = /^[!$-&(-;=?-~]*$/

export function targetOf (rawUrl: string): Target {
  const q = rawUrl.indexOf('?')
  const base = q === -1 ? rawUrl : rawUrl.slice(0, q)
  const query = q === -1 ? '' : rawUrl.slice(q + 1)
  // A fragment, a query the parser would rewrite, or a base ending in what the parser trims from
  // the end of a whole URL only (a space or control character): parse the whole URL.
  if (rawUrl.includes('#') || !QUERY_AS_IS.test(query) || base.charCodeAt(base.length - 1) <= 0x20) {
    const url = parseTarget(rawUrl)
    return { origin: url.origin, host: url.host, path: url.pathname + url.search }
  }
  let known = bases.get(base)
  if (known === undefined) {
    const url = parseTarget(base)
    known = { origin: url.origin, host: url.host, pathname: url.pathname }
    if (bases.size >= MAX_BASES) bases.clear()
    bases.set(base, known)
  }
  return { origin: known.origin, host: known.host, path: query === '' ? known.pathname : known.pathname + '?' + query }
}

type Answer = UpstreamResponse | UpstreamStreamResponse

function ignore (): void {}

/**
 * One exchange as undici reports it. The promise settles once: with a Buffer body when the whole
 * answer has arrived, or with a Readable at the response head; after that, failures go to the
 * stream. The deadline runs until the last byte whichever way the body goes.
 */
class Exchange implements Dispatcher.DispatchHandler {
  readonly #ctx: CallContext
  readonly #mode: BodyMode
  readonly #bufferUpTo: number
  readonly #startedAt = performance.now()
  readonly #timer: NodeJS.Timeout
  readonly #resolve: (answer: Answer) => void
  readonly #reject: (err: ConduitError) => void
  #controller: Dispatcher.DispatchController | undefined
  #timedOut = false
  /** The promise has settled. */
  #settled = false
  /** Nothing more will come: the body ended or the exchange failed. */
  #over = false
  #status = 0
  #headers: Record<string, string> = {}
  /** Until the response head, for a streamed body. */
  #durationMs = 0
  #chunks: Buffer[] = []
  #size = 0
  #stream: Readable | undefined

  constructor (ctx: CallContext, mode: BodyMode, bufferUpTo: number, resolve: (answer: Answer) => void, reject: (err: ConduitError) => void) {
    this.#ctx = ctx
    this.#mode = mode
    this.#bufferUpTo = bufferUpTo
    this.#resolve = resolve
    this.#reject = reject
    this.#timer = setTimeout(() => {
      this.#timedOut = true
      this.#fail(new Error('upstream deadline reached'))
    }, ctx.timeoutMs)
  }

  timedOut (): boolean {
    return this.#timedOut
  }

  onRequestStart (controller: Dispatcher.DispatchController): void {
    this.#controller = controller
    // The deadline passed while the request waited for a connection.
    if (this.#over) controller.abort(new Error('upstream call abandoned'))
  }

  onResponseStart (_controller: Dispatcher.DispatchController, statusCode: number, headers: Record<string, string | string[] | undefined>): void {
    // An informational answer (103 Early Hints): the real one follows.
    if (statusCode < 200 || this.#over) return
    this.#status = statusCode
    this.#headers = cleanResponseHeaders(headers)
    this.#durationMs = performance.now() - this.#startedAt
    const length = this.#headers['content-length']
    const declared = Number(length)
    if (Number.isFinite(declared) && declared > this.#ctx.maxResponseBytes) {
      this.#fail(tooLarge(this.#ctx))
      return
    }
    // Only a plain digit string is a length to read into one Buffer.
    const buffered = this.#mode === 'whole' ||
      (this.#mode === 'forward' && length !== undefined && /^\d{1,15}$/.test(length) && declared <= this.#bufferUpTo)
    if (!buffered) this.#openStream()
  }

  onResponseData (controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.#over) return
    this.#size += chunk.length
    if (this.#size > this.#ctx.maxResponseBytes) {
      this.#fail(tooLarge(this.#ctx))
      return
    }
    if (this.#stream === undefined) this.#chunks.push(chunk)
    else if (!this.#stream.push(chunk)) controller.pause()
  }

  onResponseEnd (): void {
    if (this.#over) return
    this.#over = true
    clearTimeout(this.#timer)
    if (this.#stream !== undefined) {
      this.#stream.push(null)
      return
    }
    const body = this.#chunks.length === 1 ? this.#chunks[0] : Buffer.concat(this.#chunks, this.#size)
    this.#chunks = []
    this.#settle({ status: this.#status, headers: this.#headers, body, durationMs: performance.now() - this.#startedAt })
  }

  onResponseError (_controller: Dispatcher.DispatchController, err: Error): void {
    this.#fail(err)
  }

  #openStream (): void {
    const stream = new Readable({
      read: () => this.#controller?.resume(),
      destroy: (err, callback) => {
        // The reader went away (the caller disconnected) before the end: stop the upstream call.
        if (!this.#over) this.#fail(err ?? new Error('upstream body abandoned'))
        callback(err)
      }
    })
    // A failure before the reader attaches (the cap, the deadline) stays on the stream as its
    // error, which the reader then gets (finished(), async iteration); never an unhandled 'error'.
    stream.on('error', ignore)
    this.#stream = stream
    this.#settle({ status: this.#status, headers: this.#headers, body: stream, durationMs: this.#durationMs })
  }

  #settle (answer: Answer): void {
    this.#settled = true
    this.#resolve(answer)
  }

  /** Ends the exchange with an error: to the promise, or to the stream once there is one. */
  #fail (cause: Error): void {
    if (this.#over) return
    this.#over = true
    clearTimeout(this.#timer)
    this.#chunks = []
    const err = toConduitError(cause, this.#ctx)
    // Stop undici too: it closes the connection of an answer not read to its end.
    this.#controller?.abort(err)
    if (!this.#settled) {
      this.#settled = true
      this.#reject(err)
    } else if (this.#stream !== undefined && !this.#stream.destroyed) {
      this.#stream.destroy(err)
    }
  }
}

// Plain functions returning the exchange's promise, not async ones: no promise layered on it per call.
function call (dispatcher: Dispatcher, req: UpstreamRequest, opts: SendOptions, mode: BodyMode, bufferUpTo = 0): Promise<Answer> {
  let target: Target
  try {
    target = targetOf(req.url)
  } catch (err) {
    return Promise.reject(err)
  }
  return new Promise<Answer>((resolve, reject) => {
    const ctx: CallContext = { host: target.host, timeoutMs: opts.timeoutMs, maxResponseBytes: opts.maxResponseBytes, timedOut: () => exchange.timedOut() }
    const exchange = new Exchange(ctx, mode, bufferUpTo, resolve, reject)
    dispatcher.dispatch({
      origin: target.origin,
      path: target.path,
      method: req.method.toUpperCase() as Dispatcher.HttpMethod,
      headers: stripRequestHeaders(req.headers),
      body: req.body ?? null,
      headersTimeout: opts.timeoutMs,
      bodyTimeout: opts.timeoutMs
    }, exchange)
  })
}

/** Performs one upstream call and reads the whole body (up to maxResponseBytes). */
export function sendUpstream (dispatcher: Dispatcher, req: UpstreamRequest, opts: SendOptions): Promise<UpstreamResponse> {
  return call(dispatcher, req, opts, 'whole') as Promise<UpstreamResponse>
}

/** Like sendUpstream, for pass-through: the body streams to the caller with the same deadline and cap. */
export function streamUpstream (dispatcher: Dispatcher, req: UpstreamRequest, opts: SendOptions): Promise<UpstreamStreamResponse> {
  return call(dispatcher, req, opts, 'stream') as Promise<UpstreamStreamResponse>
}

/**
 * streamUpstream, except that a body whose declared Content-Length is at most bufferUpToBytes is
 * read whole (as sendUpstream does): the caller then gets it with a Content-Length in one write
 * instead of chunked.
 */
export function forwardUpstream (
  dispatcher: Dispatcher, req: UpstreamRequest, opts: SendOptions & { bufferUpToBytes: number }
): Promise<UpstreamStreamResponse | UpstreamResponse> {
  return call(dispatcher, req, opts, 'forward', opts.bufferUpToBytes)
}
