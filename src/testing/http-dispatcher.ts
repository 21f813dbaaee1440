// An undici Dispatcher whose requests go out through Node's http/https modules (SPEC §22). undici
// opens its own sockets, so nock (which patches http/https) never sees its traffic; the pipeline
// takes its dispatcher as an argument, and this one is what conduit/testing and contract
// recording pass. It implements dispatch() for both handler styles undici uses: the callbacks of
// Dispatcher.request() (onConnect, onHeaders, onData, onComplete, onError) and the controller
// style of composed interceptors (onRequestStart, onResponseStart, …).
import { lookup as dnsLookup } from 'node:dns'
import http from 'node:http'
import https from 'node:https'
import { isIP } from 'node:net'
import { Dispatcher } from 'undici'
import { DestinationNotAllowedError, guardLookup } from '../upstream/dispatcher.js'
import type { LookupFunction } from '../upstream/dispatcher.js'
import { isBlockedAddress } from '../upstream/blocked-ranges.js'

/** One upstream request as it left Conduit. */
export interface OutgoingRequest {
  origin: string
  method: string
  /** Path and query, as sent. */
  path: string
  /** Lowercase names. */
  headers: Record<string, string>
  body: string
}

/** One upstream answer as it arrived (before any of Conduit's processing). */
export interface IncomingResponse {
  status: number
  /** Lowercase names; repeated headers joined with ', '. */
  headers: Record<string, string>
  body: Buffer
}

export interface HttpDispatcherOptions {
  /** Refuse loopback, private and reserved destinations (the SSRF guard of SPEC §7). Off by default. */
  guard?: boolean
  /**
   * Like curl's --connect-to: `host:port` of a URL → the `host:port` actually connected to. The
   * Host header and the TLS server name (certificate check included) stay those of the URL.
   */
  connectTo?: Record<string, string>
  /** Told of every completed exchange (contract recording). */
  onExchange?: (request: OutgoingRequest, response: IncomingResponse) => void
}

export type Headers = Record<string, string | string[] | undefined> | string[] | null | undefined

/** A handler of either style, seen through the few calls made here. */
export interface Sink {
  start: (abort: (reason: Error) => void) => boolean
  headers: (status: number, headers: Record<string, string | string[]>, raw: Buffer[], statusText: string, resume: () => void) => boolean
  data: (chunk: Buffer) => boolean
  end: () => void
  error: (err: Error) => void
}

export type LegacyHandler = Dispatcher.DispatchHandler & {
  onConnect?: (abort: (err?: Error) => void, context?: object) => void
  onHeaders?: (status: number, raw: Buffer[], resume: () => void, statusText: string) => boolean
  onData?: (chunk: Buffer) => boolean
  onComplete?: (trailers: Buffer[]) => void
  onError?: (err: Error) => void
}

export function sinkFor (handler: LegacyHandler): Sink {
  if (typeof handler.onRequestStart === 'function' || typeof handler.onResponseStart === 'function') {
    let aborted = false
    let paused = false
    let resumeFn: () => void = () => {}
    let abortFn: (reason: Error) => void = () => {}
    const controller = {
      get aborted () { return aborted },
      get paused () { return paused },
      reason: null as Error | null,
      abort (reason: Error) { if (!aborted) { aborted = true; controller.reason = reason; abortFn(reason) } },
      pause () { paused = true },
      resume () { if (paused) { paused = false; resumeFn() } }
    }
    return {
      start: abort => { abortFn = abort; handler.onRequestStart?.(controller as unknown as Dispatcher.DispatchController, {}); return !aborted },
      headers: (status, headers, _raw, statusText, resume) => {
        resumeFn = resume
        handler.onResponseStart?.(controller as unknown as Dispatcher.DispatchController, status, headers as Record<string, string | string[]>, statusText)
        return !paused
      },
      data: chunk => { handler.onResponseData?.(controller as unknown as Dispatcher.DispatchController, chunk); return !paused },
      end: () => handler.onResponseEnd?.(controller as unknown as Dispatcher.DispatchController, {}),
      error: err => handler.onResponseError?.(controller as unknown as Dispatcher.DispatchController, err)
    }
  }
  let aborted = false
  return {
    start: abort => { handler.onConnect?.((err?: Error) => { aborted = true; abort(err ?? new Error('aborted')) }, {}); return !aborted },
    headers: (status, _headers, raw, statusText, resume) => handler.onHeaders?.(status, raw, resume, statusText) !== false,
    data: chunk => handler.onData?.(chunk) !== false,
    end: () => handler.onComplete?.([]),
    error: err => handler.onError?.(err)
  }
}

export function requestHeaders (headers: Headers): Record<string, string> {
  const out: Record<string, string> = {}
  if (headers === null || headers === undefined) return out
  if (Array.isArray(headers)) {
    for (let i = 0; i + 1 < headers.length; i += 2) out[String(headers[i]).toLowerCase()] = String(headers[i + 1])
    return out
  }
  for (const [k, v] of Object.entries(headers)) {
    if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : String(v)
  }
  return out
}

export function bodyBuffer (body: unknown): Buffer {
  if (body === null || body === undefined) return Buffer.alloc(0)
  if (typeof body === 'string') return Buffer.from(body, 'utf8')
  if (Buffer.isBuffer(body)) return body
  if (body instanceof Uint8Array) return Buffer.from(body)
  throw new TypeError('The http dispatcher sends string or Buffer bodies only')
}

function flatHeaders (headers: http.IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(headers)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v
  return out
}

export class HttpDispatcher extends Dispatcher {
  readonly #options: HttpDispatcherOptions
  readonly #agents = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) }
  #closed = false

  constructor (options: HttpDispatcherOptions = {}) {
    super()
    this.#options = options
  }

  override dispatch (opts: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    const sink = sinkFor(handler as LegacyHandler)
    try {
      if (this.#closed) throw new Error('The dispatcher is closed')
      this.#send(opts, sink)
    } catch (err) {
      sink.error(err as Error)
    }
    return true
  }

  #send (opts: Dispatcher.DispatchOptions, sink: Sink): void {
    const origin = new URL(String(opts.origin))
    const secure = origin.protocol === 'https:'
    const host = origin.hostname.startsWith('[') ? origin.hostname.slice(1, -1) : origin.hostname
    const guard = this.#options.guard === true
    const headers = requestHeaders(opts.headers as Headers)
    const body = bodyBuffer(opts.body)
    if (body.length > 0 || ['POST', 'PUT', 'PATCH'].includes(opts.method)) headers['content-length'] = String(body.length)
    const outgoing: OutgoingRequest = { origin: origin.origin, method: opts.method, path: opts.path, headers, body: body.toString('utf8') }

    const port = origin.port === '' ? (secure ? 443 : 80) : Number(origin.port)
    const target = this.#options.connectTo?.[`${origin.hostname}:${port}`]
    let connectHost = host
    let connectPort = port
    if (target !== undefined) {
      const colon = target.lastIndexOf(':')
      connectHost = target.slice(0, colon).replace(/^\[|\]$/g, '')
      connectPort = Number(target.slice(colon + 1))
      headers.host ??= origin.host
    }
    if (guard && isIP(connectHost) !== 0 && isBlockedAddress(connectHost)) throw new DestinationNotAllowedError(connectHost)
    const req = (secure ? https : http).request({
      protocol: origin.protocol,
      hostname: connectHost,
      port: connectPort,
      ...(secure && target !== undefined ? { servername: host } : {}),
      method: opts.method,
      path: opts.path,
      headers,
      agent: secure ? this.#agents.https : this.#agents.http,
      ...(guard ? { lookup: guardLookup(dnsLookup as LookupFunction) as unknown as typeof dnsLookup } : {})
    })
    let finished = false
    const fail = (err: Error): void => {
      if (finished) return
      finished = true
      req.destroy()
      sink.error(err)
    }
    if (!sink.start(reason => fail(reason))) return
    req.on('error', fail)
    if (guard) {
      req.on('socket', socket => {
        socket.once('connect', () => {
          const remote = socket.remoteAddress
          if (remote === undefined || isBlockedAddress(remote)) fail(new DestinationNotAllowedError(host))
        })
      })
    }
    req.on('response', res => {
      const raw: Buffer[] = []
      for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) {
        raw.push(Buffer.from(res.rawHeaders[i], 'latin1'), Buffer.from(res.rawHeaders[i + 1], 'latin1'))
      }
      const chunks: Buffer[] = []
      const status = res.statusCode ?? 0
      res.on('error', fail)
      res.on('aborted', () => fail(Object.assign(new Error('connection closed by the upstream'), { code: 'UND_ERR_SOCKET' })))
      if (!sink.headers(status, res.headers as Record<string, string | string[]>, raw, res.statusMessage ?? '', () => res.resume())) res.pause()
      res.on('data', (chunk: Buffer) => {
        if (finished) return
        if (this.#options.onExchange !== undefined) chunks.push(chunk)
        if (!sink.data(chunk)) res.pause()
      })
      res.on('end', () => {
        if (finished) return
        finished = true
        this.#options.onExchange?.(outgoing, { status, headers: flatHeaders(res.headers), body: Buffer.concat(chunks) })
        sink.end()
      })
    })
    req.end(body.length > 0 ? body : undefined)
  }

  override async close (): Promise<void> {
    this.#closed = true
    this.#agents.http.destroy()
    this.#agents.https.destroy()
  }

  override async destroy (): Promise<void> {
    await this.close()
  }
}
