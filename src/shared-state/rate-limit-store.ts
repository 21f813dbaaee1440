// Rate-limit counters shared by replicas (SPEC §17, §19), in the three-method store contract of
// @fastify/rate-limit (store/LocalStore.js): `new Store(options)`, `incr(key, cb, timeWindow, max)`
// calling back `{ current, ttl }`, and `child(routeOptions)` for per-route stores. While Redis is
// down each replica counts on its own (a bounded in-memory window per key), so a limit is at most
// multiplied by the number of replicas for the length of the outage, and requests keep working.
//
// Plug it in: `fastify.register(rateLimit, { store: sharedRateLimitStore(conn) })`.
import type { SharedConnection } from './connection.js'

export interface RateLimitResult { current: number, ttl: number }
export type RateLimitCallback = (err: Error | null, result: RateLimitResult | null) => void

export interface RateLimitRouteOptions {
  continueExceeding?: boolean
  routeInfo?: { method?: string, url?: string }
}

export interface RateLimitStore {
  incr: (key: string, cb: RateLimitCallback, timeWindow: number, max: number) => void
  child: (routeOptions: RateLimitRouteOptions) => RateLimitStore
}

export type RateLimitStoreClass = new (options: { continueExceeding?: boolean }) => RateLimitStore

const PREFIX = 'conduit:rl:'
const LOCAL_MAX_KEYS = 10_000

// One round trip: count, start the window on the first hit (or restart it when continueExceeding
// and over the limit), and answer the window's remaining time.
const INCR_SCRIPT = `
local current = redis.call('INCR', KEYS[1])
local ttl = tonumber(ARGV[1])
if current == 1 or (ARGV[3] == '1' and current > tonumber(ARGV[2])) then
  redis.call('PEXPIRE', KEYS[1], ttl)
else
  ttl = redis.call('PTTL', KEYS[1])
  if ttl < 0 then
    redis.call('PEXPIRE', KEYS[1], ARGV[1])
    ttl = tonumber(ARGV[1])
  end
end
return {current, ttl}`

interface Window { current: number, startedAt: number, length: number }

/** Counts per key in this process: the fallback, and the whole store without Redis. */
class LocalWindows {
  readonly #windows = new Map<string, Window>()

  incr (key: string, timeWindow: number, max: number, continueExceeding: boolean, now: number): RateLimitResult {
    let w = this.#windows.get(key)
    if (w === undefined || w.startedAt + w.length <= now) {
      w = { current: 0, startedAt: now, length: timeWindow }
    }
    w.current++
    if (continueExceeding && w.current > max) {
      w.startedAt = now
      w.length = timeWindow
    }
    // Re-inserting keeps Map order = recency, so the first key is the least recently used.
    this.#windows.delete(key)
    this.#windows.set(key, w)
    if (this.#windows.size > LOCAL_MAX_KEYS) this.#windows.delete(this.#windows.keys().next().value as string)
    return { current: w.current, ttl: Math.max(0, w.startedAt + w.length - now) }
  }
}

/** A store class for @fastify/rate-limit over `conn`, with local counting as the fallback. */
export function sharedRateLimitStore (conn: SharedConnection, clock: () => number = Date.now): RateLimitStoreClass {
  const local = new LocalWindows()

  class SharedRateLimitStore implements RateLimitStore {
    readonly #continueExceeding: boolean
    readonly #prefix: string

    constructor (options: { continueExceeding?: boolean }, prefix = PREFIX) {
      this.#continueExceeding = options.continueExceeding === true
      this.#prefix = prefix
    }

    incr (key: string, cb: RateLimitCallback, timeWindow: number, max: number): void {
      const fullKey = this.#prefix + key
      const fallback = (): RateLimitResult => local.incr(fullKey, timeWindow, max, this.#continueExceeding, clock())
      conn.run(async redis => {
        const [current, ttl] = await redis.eval(INCR_SCRIPT, 1, fullKey, timeWindow, max, this.#continueExceeding ? '1' : '0') as [number, number]
        return { current, ttl }
      }, fallback).then(result => { cb(null, result) }, (err: Error) => { cb(err, null) })
    }

    child (routeOptions: RateLimitRouteOptions): RateLimitStore {
      const route = routeOptions.routeInfo === undefined ? '' : `${routeOptions.routeInfo.method ?? ''}${routeOptions.routeInfo.url ?? ''}-`
      return new SharedRateLimitStore({ continueExceeding: routeOptions.continueExceeding }, this.#prefix + route)
    }
  }
  return SharedRateLimitStore
}
