// The HTTP cache of SPEC §8, written once as an interceptor around the request step (connectors and
// composite steps alike): shared-cache semantics of RFC 9111 through `http-cache-semantics`.
//
// Why http-cache-semantics and not undici's cache interceptor: the cache must sit at the pipeline's
// request step, not in the dispatcher. Its key must partition by permalink and by a digest of every
// outgoing header value (undici keys by origin, path, method and only the headers Vary names), a
// hit must show in the timing headers and metrics and still run the response template, and the
// Redis store must serve several replicas. http-cache-semantics answers exactly the RFC questions
// (storable? fresh? which conditional headers? what does a 304 change?) and leaves storage, keys
// and bodies to us; `revalidatedPolicy()` gives the refreshed policy a 304 stores with the old body.
import { hash } from 'node:crypto'
import type { Readable } from 'node:stream'
import CachePolicy from 'http-cache-semantics'
import { readBody } from './read-body.js'
import type { CacheResult } from '../observability/metrics.js'

/** Statuses SPEC §8 stores (RFC 9111 allows a cache to store fewer than it could). */
const STORED_STATUSES = new Set([200, 301, 308])
/**
 * How long a stale entry with a validator is kept for revalidation (a 304 then saves the body
 * transfer). The byte bound of the store evicts it earlier when space is needed.
 */
const KEEP_FOR_REVALIDATION_MS = 24 * 3600 * 1000

/** One stored upstream response. */
export interface CachedResponse {
  status: number
  /** Upstream headers as the step saw them (lowercase names). */
  headers: Record<string, string>
  body: Buffer
  policy: CachePolicy
  /** Memo of plainFreshUntil() on the entry object a memory store hands out again. */
  plainFreshUntil?: number
}

/**
 * Where entries live. `get` answers a value or a promise of one (the memory store answers at
 * once, Redis later): one method for the fast and the slow path, as in undici's cache stores.
 * `set` never throws; a store that cannot write drops the entry.
 */
export interface HttpCacheStore {
  get: (key: string) => CachedResponse | undefined | Promise<CachedResponse | undefined>
  set: (key: string, entry: CachedResponse, ttlMs: number) => void | Promise<void>
}

/** The parts of the step's outgoing request the cache reads (the pipeline's `Outbound`). */
export interface CacheableRequest {
  permalink: string
  method: string
  url: string
  headers: Record<string, string>
  read: 'whole' | 'forward' | 'stream'
  step: { cache?: boolean }
  timing: { lap: (stage: 'cache') => void, cacheHit: boolean, cacheResult?: CacheResult }
}

export interface CacheableResponse {
  status: number
  headers: Record<string, string>
  body: Buffer | Readable
}

export type CacheSend<Req extends CacheableRequest, Res extends CacheableResponse> = (req: Req) => Promise<Res>

export interface HttpCacheOptions {
  store: HttpCacheStore
  /** Larger bodies are passed on, never stored. */
  maxEntryBytes: number
  onResult?: (permalink: string, result: CacheResult) => void
  /**
   * The store holds only what this interceptor put in it (the memory store; not Redis, which other
   * replicas fill too): a connector that never had an answer stored is a miss without computing a
   * key or asking the store, which most API connectors (no Cache-Control) are on every call.
   */
  storeIsPrivate?: boolean
}

/**
 * The cache key: permalink, method, final URL (query included) and every outgoing header, names
 * lowercased and sorted, hashed together so credentials and user fields partition the cache but
 * never sit in a key. Values are length-prefixed so no two header sets hash alike by concatenation.
 */
export function cacheKey (permalink: string, method: string, url: string, headers: Record<string, string>): string {
  // One string, hashed by the one-shot crypto.hash (no Hash object per request).
  let text = permalink.length + ':' + permalink + method.length + ':' + method + url.length + ':' + url
  const names = Object.keys(headers)
  const lower = names.map(n => n.toLowerCase())
  const order = lower.map((_, i) => i)
  if (order.length > 1) order.sort((a, b) => lower[a] < lower[b] ? -1 : lower[a] > lower[b] ? 1 : 0)
  for (const i of order) {
    const value = headers[names[i]]
    text += lower[i].length + ':' + lower[i] + value.length + ':' + value
  }
  return hash('sha256', text, 'base64url')
}

/**
 * Whether an answer could be worth storing at all: without a freshness lifetime (Cache-Control,
 * Expires) and without a validator (ETag, Last-Modified) it never is (heuristic freshness is off),
 * so most API answers skip building a policy.
 */
function mayStore (headers: Record<string, string>): boolean {
  return headers['cache-control'] !== undefined || headers.expires !== undefined ||
    headers.etag !== undefined || headers['last-modified'] !== undefined
}

function lowercaseHeaders (headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const name in headers) out[name.toLowerCase()] = headers[name]
  return out
}

/**
 * Until when (ms since the epoch) a stored answer is fresh for a request that carries neither
 * Cache-Control nor Pragma, judged as http-cache-semantics judges it: the policy's maxAge()
 * against an age that grows with the clock, so one computation per entry replaces a full
 * evaluateRequest() (which also rebuilds the response headers) on every hit. The request's URL,
 * method and every header value are in the cache key, so they match the stored request.
 * -Infinity where only the library can say: must-revalidate (which it always revalidates) and Vary.
 */
function plainFreshUntil (entry: CachedResponse): number {
  const cc = entry.headers['cache-control']
  if ((cc !== undefined && /must-revalidate/i.test(cc)) || entry.headers.vary !== undefined) return -Infinity
  return Date.now() + (entry.policy.maxAge() - entry.policy.age()) * 1000
}

/** True when the entry is certainly fresh for this request; false means: ask the library. */
export function freshForPlainRequest (entry: CachedResponse, headers: Record<string, string>): boolean {
  for (const name in headers) {
    const lower = name.toLowerCase()
    if (lower === 'cache-control' || lower === 'pragma') return false
  }
  entry.plainFreshUntil ??= plainFreshUntil(entry)
  return Date.now() < entry.plainFreshUntil
}

/** The request as http-cache-semantics reads it. */
function policyRequestOf (req: CacheableRequest): CachePolicy.Request {
  return { url: req.url, method: req.method, headers: lowercaseHeaders(req.headers) }
}

/** Headers of a cached answer: the stored ones with Age (and updated Date/Warning) from the policy. */
function servedHeaders (entry: CachedResponse): Record<string, string> {
  const out: Record<string, string> = { ...entry.headers }
  out.age = String(Math.max(0, Math.round(entry.policy.age())))
  return out
}

/**
 * The cache interceptor: `next => req => response` (the shape of the pipeline's StepInterceptor).
 * GET and HEAD of a connector that allows caching: a fresh entry answers without calling `next`;
 * a stale one with validators is revalidated with If-None-Match / If-Modified-Since and a 304
 * refreshes it; a storable answer is stored. Everything else passes through ('bypass').
 */
export function httpCacheInterceptor<Req extends CacheableRequest, Res extends CacheableResponse> (
  options: HttpCacheOptions
): (next: CacheSend<Req, Res>) => CacheSend<Req, Res> {
  const { store, maxEntryBytes } = options
  const report = options.onResult ?? (() => {})
  // Permalinks this interceptor has stored an answer for (only kept with a private store).
  const everStored = options.storeIsPrivate === true ? new Set<string>() : undefined
  // The two common cases return next()'s promise as it is (no async layer on every call): a
  // request the cache never serves, and a connector whose answers were never stored.
  return next => req => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || req.step.cache === false) {
      req.timing.cacheResult = 'bypass'
      report(req.permalink, 'bypass')
      return next(req)
    }
    if (everStored !== undefined && !everStored.has(req.permalink)) {
      req.timing.lap('cache')
      return next(req).then(res => afterMiss(req, res, undefined))
    }
    return lookup(req, next)
  }

  async function lookup (req: Req, next: CacheSend<Req, Res>): Promise<Res> {
    let key: string | undefined
    const keyOf = (): string => (key ??= cacheKey(req.permalink, req.method, req.url, req.headers))
    const pending = store.get(keyOf())
    const found = pending instanceof Promise ? await pending.catch(() => undefined) : pending
    // Built only when a policy is asked or made: most calls of most APIs need neither.
    let policyRequest: CachePolicy.Request | undefined
    const asPolicyRequest = (): CachePolicy.Request => (policyRequest ??= policyRequestOf(req))

    if (found !== undefined && (freshForPlainRequest(found, req.headers) || found.policy.satisfiesWithoutRevalidation(asPolicyRequest()))) {
      req.timing.cacheHit = true
      req.timing.cacheResult = 'hit'
      req.timing.lap('cache')
      report(req.permalink, 'hit')
      return { status: found.status, headers: servedHeaders(found), body: found.body } as unknown as Res
    }

    let sent = req
    if (found !== undefined) {
      const conditional = found.policy.revalidationHeaders(asPolicyRequest())
      const extra: Record<string, string> = {}
      const etag = conditional['if-none-match']
      const since = conditional['if-modified-since']
      if (typeof etag === 'string') extra['if-none-match'] = etag
      if (typeof since === 'string') extra['if-modified-since'] = since
      if (Object.keys(extra).length > 0) sent = { ...req, headers: { ...req.headers, ...extra } }
    }
    req.timing.lap('cache')
    const res = await next(sent)

    if (found !== undefined && res.status === 304) {
      const { policy, modified } = found.policy.revalidatedPolicy(asPolicyRequest(), { status: 304, headers: res.headers })
      if (!modified) {
        // The stored body is still the answer: keep it under the refreshed policy (new freshness,
        // Date, ETag), so the next requests are hits again without fetching the body.
        const headers = { ...found.headers }
        for (const [name, value] of Object.entries(res.headers)) {
          if (name !== 'content-length' && name !== 'content-type') headers[name] = value
        }
        const entry: CachedResponse = { status: found.status, headers, body: found.body, policy }
        await storeEntry(store, keyOf(), entry)
        req.timing.cacheResult = 'revalidated'
        report(req.permalink, 'revalidated')
        return { status: entry.status, headers: servedHeaders(entry), body: entry.body } as unknown as Res
      }
    }
    return await afterMiss(req, res, key)
  }

  /** A response the cache did not answer: counted as a miss, stored when RFC 9111 allows. */
  function afterMiss (req: Req, res: Res, knownKey: string | undefined): Res | Promise<Res> {
    req.timing.cacheResult = 'miss'
    report(req.permalink, 'miss')
    if (!STORED_STATUSES.has(res.status) || !mayStore(res.headers)) return res
    return storeMiss(req, res, knownKey)
  }

  async function storeMiss (req: Req, res: Res, knownKey: string | undefined): Promise<Res> {
    const keyOf = (): string => knownKey ?? cacheKey(req.permalink, req.method, req.url, req.headers)
    const policy = new CachePolicy(policyRequestOf(req), { status: res.status, headers: res.headers }, { shared: true, cacheHeuristic: 0 })
    const validators = res.headers.etag !== undefined || res.headers['last-modified'] !== undefined
    const ttl = policy.timeToLive()
    if (!policy.storable() || (ttl <= 0 && !validators)) return res
    const declared = Number(res.headers['content-length'])
    if (Number.isFinite(declared) && declared > maxEntryBytes) return res
    const body = await readBody(res.body)
    if (body.length <= maxEntryBytes) {
      everStored?.add(req.permalink)
      await storeEntry(store, keyOf(), { status: res.status, headers: res.headers, body, policy }, validators ? Math.max(ttl, KEEP_FOR_REVALIDATION_MS) : ttl)
    }
    return Buffer.isBuffer(res.body) ? res : { ...res, body }
  }
}

async function storeEntry (store: HttpCacheStore, key: string, entry: CachedResponse, ttlMs?: number): Promise<void> {
  const validators = entry.headers.etag !== undefined || entry.headers['last-modified'] !== undefined
  const ttl = ttlMs ?? (validators ? Math.max(entry.policy.timeToLive(), KEEP_FOR_REVALIDATION_MS) : entry.policy.timeToLive())
  if (ttl <= 0) return
  try {
    await store.set(key, entry, ttl)
  } catch {
    // A store that cannot write (Redis gone) costs the next request a miss, nothing more.
  }
}
