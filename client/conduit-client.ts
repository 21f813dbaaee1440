// Conduit client SDK (SPEC §21): call connectors from a browser widget or from Node ≥ 20, with the
// call shape of the Gainsight `sdk.connectors` API. No dependencies; served by the gateway at
// /sdk/conduit-client.js.
//
//   import { createConnectorsClient } from 'https://gateway.example.com/sdk/conduit-client.js'
//   const connectors = createConnectorsClient({ baseUrl: 'https://gateway.example.com', getToken })
//   const weather = await connectors.execute({ permalink: 'weather-api', method: 'GET', queryParams: { q: 'Paris' } })

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD' | 'OPTIONS'
export const METHODS: readonly HttpMethod[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']

export type ParamValue = string | number
export type QueryValue = string | number | boolean | ReadonlyArray<string | number | boolean>

export interface ClientOptions {
  /** The gateway's origin (and path prefix, if any), e.g. `https://gateway.example.com`. */
  baseUrl: string
  /** Headers sent on every call. */
  headers?: Record<string, string>
  /** Milliseconds before a call is abandoned (default 30000). */
  timeout?: number
  /** The caller's JWT, sent as `Authorization: Bearer …` (called before every request). */
  getToken?: () => string | null | undefined | Promise<string | null | undefined>
}

export interface ExecuteOptions {
  permalink: string
  method: HttpMethod
  queryParams?: Record<string, QueryValue>
  payload?: unknown
  pathParams?: Record<string, ParamValue>
  headers?: Record<string, string>
}

export interface CompositeExecuteOptions {
  permalink: string
  payload?: unknown
  queryParams?: Record<string, QueryValue>
}

export interface ConnectorsClient {
  execute: <T = unknown>(options: ExecuteOptions) => Promise<T>
  composite: { execute: <T = unknown>(options: CompositeExecuteOptions) => Promise<T> }
  /** Changes options for later calls (merged with the current ones). */
  configure: (options: Partial<ClientOptions>) => void
}

/** A call the gateway (or the network) answered with an error. */
export class ConnectorExecuteError extends Error {
  readonly status: number
  readonly code: string
  readonly detail: string
  readonly scope: string | undefined
  readonly params: unknown
  readonly requestId: string | undefined

  constructor (init: { status: number, code: string, detail: string, scope?: string, params?: unknown, requestId?: string }) {
    super(`${init.code}: ${init.detail}`)
    this.name = 'ConnectorExecuteError'
    this.status = init.status
    this.code = init.code
    this.detail = init.detail
    this.scope = init.scope
    this.params = init.params
    this.requestId = init.requestId
  }
}

/** Input the SDK refused before sending anything. */
export class ConnectorBoundaryError extends Error {
  readonly reason: string

  constructor (reason: string) {
    super(reason)
    this.name = 'ConnectorBoundaryError'
    this.reason = reason
  }
}

const PERMALINK = /^[a-z0-9]+(?:-[a-z0-9]+)*$/

function isPlainObject (v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false
  const proto = Object.getPrototypeOf(v) as unknown
  return proto === Object.prototype || proto === null
}

function checkCommon (options: unknown, allowed: readonly string[]): Record<string, unknown> {
  if (!isPlainObject(options)) throw new ConnectorBoundaryError('execute() takes an options object')
  if ('body' in options) throw new ConnectorBoundaryError("Use 'payload', not 'body', for the request payload")
  for (const key of Object.keys(options)) {
    if (!allowed.includes(key)) throw new ConnectorBoundaryError(`Unknown option '${key}'`)
  }
  if (typeof options.permalink !== 'string' || !PERMALINK.test(options.permalink)) {
    throw new ConnectorBoundaryError('permalink must be a connector permalink such as "weather-api"')
  }
  if (options.queryParams !== undefined) {
    if (!isPlainObject(options.queryParams)) throw new ConnectorBoundaryError('queryParams must be an object')
    for (const [k, v] of Object.entries(options.queryParams)) {
      const ok = (x: unknown): boolean => typeof x === 'string' || typeof x === 'boolean' || (typeof x === 'number' && Number.isFinite(x))
      if (!(ok(v) || (Array.isArray(v) && v.every(ok)))) throw new ConnectorBoundaryError(`queryParams.${k} must be a string, number, boolean or a list of them`)
    }
  }
  return options
}

function checkStringMap (value: unknown, name: string): Record<string, string> | undefined {
  if (value === undefined) return undefined
  if (!isPlainObject(value) || Object.values(value).some(v => typeof v !== 'string')) {
    throw new ConnectorBoundaryError(`${name} must be an object of strings`)
  }
  return value as Record<string, string>
}

function queryString (params: Record<string, QueryValue> | undefined): string {
  if (params === undefined) return ''
  const search = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) {
    if (Array.isArray(v)) for (const item of v) search.append(k, String(item))
    else search.append(k, String(v))
  }
  const text = search.toString()
  return text === '' ? '' : `?${text}`
}

function pathParamsHeader (params: unknown): string | undefined {
  if (params === undefined) return undefined
  if (!isPlainObject(params)) throw new ConnectorBoundaryError('pathParams must be a flat object of strings or numbers')
  const search = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) {
    if (typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v))) search.append(k, String(v))
    else throw new ConnectorBoundaryError(`pathParams.${k} must be a string or a number`)
  }
  return search.toString()
}

async function parseAnswer (response: Response): Promise<unknown> {
  const requestId = response.headers.get('x-request-id') ?? undefined
  const text = await response.text()
  let json: unknown
  let isJson = false
  if (text === '') {
    json = undefined
    isJson = response.ok
  } else {
    try {
      json = JSON.parse(text)
      isJson = true
    } catch {
      isJson = false
    }
  }
  const envelope = isPlainObject(json) && json.success === false && isPlainObject(json.errors) ? json.errors : undefined
  if (envelope !== undefined) {
    throw new ConnectorExecuteError({
      status: response.status,
      code: typeof envelope.code === 'string' ? envelope.code : 'UNKNOWN_ERROR',
      detail: typeof envelope.detail === 'string' ? envelope.detail : '',
      scope: typeof envelope.scope === 'string' ? envelope.scope : undefined,
      params: envelope.params,
      requestId: typeof (json as Record<string, unknown>).request_id === 'string' ? (json as Record<string, string>).request_id : requestId
    })
  }
  if (!isJson) {
    throw new ConnectorExecuteError({
      status: response.status,
      code: response.ok ? 'INVALID_RESPONSE' : 'UPSTREAM_ERROR',
      detail: response.ok ? 'The connector did not answer with JSON' : `The connector answered ${response.status} without JSON`,
      requestId
    })
  }
  // An upstream's own 4xx/5xx with a JSON body is the connector's answer, not an error of the
  // gateway (SPEC §11): it resolves like any other JSON body.
  return json
}

export function createConnectorsClient (initial: ClientOptions): ConnectorsClient {
  let options: ClientOptions = { timeout: 30000, ...initial }
  const check = (o: ClientOptions): void => {
    if (typeof o.baseUrl !== 'string' || !/^https?:\/\//.test(o.baseUrl)) throw new ConnectorBoundaryError('baseUrl must be an http(s) URL')
    if (o.timeout !== undefined && (!Number.isFinite(o.timeout) || o.timeout <= 0)) throw new ConnectorBoundaryError('timeout must be a positive number of milliseconds')
    checkStringMap(o.headers, 'headers')
  }
  check(options)

  async function send (method: HttpMethod, path: string, query: Record<string, QueryValue> | undefined, payload: unknown, extraHeaders: Record<string, string>): Promise<unknown> {
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers, ...extraHeaders }
    const token = await options.getToken?.()
    if (typeof token === 'string' && token !== '') headers.authorization = `Bearer ${token}`
    const sendsBody = payload !== undefined && (method === 'POST' || method === 'PUT' || method === 'PATCH')
    if (sendsBody) headers['content-type'] = 'application/json'
    const controller = new AbortController()
    const timer = setTimeout(() => { controller.abort() }, options.timeout ?? 30000)
    let response: Response
    try {
      response = await fetch(options.baseUrl.replace(/\/+$/, '') + path + queryString(query), {
        method,
        headers,
        body: sendsBody ? JSON.stringify(payload) : undefined,
        signal: controller.signal,
        credentials: 'omit'
      })
      return await parseAnswer(response)
    } catch (err) {
      if (err instanceof ConnectorExecuteError) throw err
      const timedOut = controller.signal.aborted
      throw new ConnectorExecuteError({
        status: 0,
        code: timedOut ? 'TIMEOUT' : 'NETWORK_ERROR',
        detail: timedOut ? `No answer within ${options.timeout ?? 30000} ms` : `The gateway could not be reached: ${err instanceof Error ? err.message : String(err)}`
      })
    } finally {
      clearTimeout(timer)
    }
  }

  return {
    async execute<T = unknown>(raw: ExecuteOptions): Promise<T> {
      const o = checkCommon(raw, ['permalink', 'method', 'queryParams', 'payload', 'pathParams', 'headers'])
      if (typeof o.method !== 'string' || !(METHODS as readonly string[]).includes(o.method)) {
        throw new ConnectorBoundaryError(`method must be one of ${METHODS.join(', ')}`)
      }
      const headers = { ...checkStringMap(o.headers, 'headers') }
      const pathParams = pathParamsHeader(o.pathParams)
      if (pathParams !== undefined && pathParams !== '') headers['x-path-params'] = pathParams
      return await send(o.method as HttpMethod, `/connectors/${o.permalink as string}/execute`, o.queryParams as Record<string, QueryValue> | undefined, o.payload, headers) as T
    },
    composite: {
      async execute<T = unknown>(raw: CompositeExecuteOptions): Promise<T> {
        const o = checkCommon(raw, ['permalink', 'payload', 'queryParams'])
        return await send('POST', `/connectors/composite/${o.permalink as string}/execute`, o.queryParams as Record<string, QueryValue> | undefined, o.payload, {}) as T
      }
    },
    configure (changes: Partial<ClientOptions>): void {
      const next = { ...options, ...changes }
      check(next)
      options = next
    }
  }
}
