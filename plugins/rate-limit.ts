// Rate limiting (SPEC §17) on @fastify/rate-limit's store contract: one counter per connector (or
// composite) and key (caller, tenant, ip or global), checked in preParsing, so before the body is
// read, any template renders or any secret is read. Limits come from the connector's `rate_limit`,
// else from the rateLimit settings. Allowed answers carry RateLimit-Limit/Remaining/Reset (the IETF
// draft headers @fastify/rate-limit sends with enableDraftSpec); refused ones are 429 RATE_LIMITED
// with Retry-After as well. Counters live in @fastify/rate-limit's LocalStore, or with Redis in the
// shared store of src/shared-state (same contract), so every replica counts together.
//
// Why not the plugin's own request handler: it awaits five times and wraps the store's callback in
// a promise on every request, and it marks each request with a symbol property that changes the
// request objects' shape; on the bench's connectors that cost about a tenth of the gateway's CPU
// per request. This hook is a callback hook: with the local store and a verified caller it
// answers synchronously, and it waits only when the caller's token or the shared store needs it.
//
// Also here: the limit on failed admin-token attempts (10 per minute per IP) that the admin API
// and the Studio login share.
import fp from 'fastify-plugin'
import { createRequire } from 'node:module'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { ConduitError } from '../src/errors.js'
import type { Settings } from '../src/settings/types.js'
import type { RateLimitRule } from '../src/registry/traffic-fields.js'
import type { CallerIdentity } from '../src/callers/identity.js'
import type { ConduitMetrics } from '../src/observability/metrics.js'
import type { RateLimitResult, RateLimitStore, RateLimitStoreClass } from '../src/shared-state/rate-limit-store.js'
import type { SharedConnection } from '../src/shared-state/connection.js'

export interface RateLimitPluginOptions {
  settings: Settings['rateLimit']
  /** The verified caller; a rejection (invalid token) counts the request by IP instead (the route answers 401). */
  callerOf: (request: FastifyRequest) => CallerIdentity | Promise<CallerIdentity>
  /** Shared counters (Redis); per process when absent. */
  store?: RateLimitStoreClass
  metrics?: ConduitMetrics
}

interface AppliedRule { scope: string, permalink: string, max: number, windowMs: number, key: RateLimitRule['key'] & string }

// The package's in-process store (an LRU of windows); the package exports no type for it.
type LocalStoreClass = new (continueExceeding: boolean, exponentialBackoff: boolean, cache: number) => RateLimitStore
const LocalStore = createRequire(import.meta.url)('@fastify/rate-limit/store/LocalStore.js') as LocalStoreClass
/** Keys (connector × caller) kept by the local store; the least recently used window goes first. */
const LOCAL_KEYS = 10_000

// The header names of @fastify/rate-limit with enableDraftSpec.
const LIMIT = 'ratelimit-limit'
const REMAINING = 'ratelimit-remaining'
const RESET = 'ratelimit-reset'
const RETRY_AFTER = 'retry-after'

const COMPOSITE_ROUTE = '/connectors/composite/:permalink/execute'
const EXECUTE_ROUTE = '/connectors/:permalink/execute'

async function rateLimitPlugin (fastify: FastifyInstance, options: RateLimitPluginOptions): Promise<void> {
  const defaults = options.settings
  const SharedStore = options.store
  const store: RateLimitStore = SharedStore === undefined ? new LocalStore(false, false, LOCAL_KEYS) : new SharedStore({ continueExceeding: false })
  const metrics = options.metrics
  // Applied rules are kept per definition and rebuilt after a reload (new definition objects).
  const applied = new WeakMap<object, AppliedRule | null>()

  const ruleOf = (request: FastifyRequest): AppliedRule | null => {
    const url = request.routeOptions.url
    const composite = url === COMPOSITE_ROUTE
    if (!composite && url !== EXECUTE_ROUTE) return null
    const permalink = (request.params as { permalink: string }).permalink
    const registry = fastify.connectorRegistry.current
    const def = composite ? registry?.composites.get(permalink) : registry?.connectors.get(permalink)
    if (def === undefined) return null
    let rule = applied.get(def)
    if (rule === undefined) {
      const own = def.rateLimit
      rule = own === false || (own === undefined && !defaults.enabled)
        ? null
        : {
            scope: (composite ? 'k:' : 'c:') + permalink,
            permalink,
            max: own?.max ?? defaults.max,
            windowMs: (own?.windowSeconds ?? defaults.windowSeconds) * 1000,
            key: own?.key ?? defaults.key
          }
      applied.set(def, rule)
    }
    return rule
  }

  const keyFor = (request: FastifyRequest, rule: AppliedRule, identity: CallerIdentity | undefined): string => {
    const id = rule.key === 'caller' ? identity?.user.id : identity?.tenantId
    return id === null || id === undefined || id === '' ? rule.scope + '|ip:' + request.ip : rule.scope + '|' + rule.key + ':' + String(id)
  }

  /** The counter's key; a promise only when the caller's token still has to be verified. */
  const keyOf = (request: FastifyRequest, rule: AppliedRule): string | Promise<string> => {
    if (rule.key === 'global') return rule.scope
    if (rule.key === 'ip') return rule.scope + '|ip:' + request.ip
    let identity: CallerIdentity | Promise<CallerIdentity>
    try {
      identity = options.callerOf(request)
    } catch {
      return keyFor(request, rule, undefined)
    }
    if (!(identity instanceof Promise)) return keyFor(request, rule, identity)
    // An invalid caller token is counted by address; the route refuses it with 401 anyway.
    return identity.then(known => keyFor(request, rule, known), () => keyFor(request, rule, undefined))
  }

  const count = (rule: AppliedRule, key: string, reply: FastifyReply, done: (err: Error | null) => void): void => {
    store.incr(key, (err: Error | null, result: RateLimitResult | null) => {
      if (err !== null || result === null) { done(err ?? new Error('the rate-limit store answered nothing')); return }
      const resetSeconds = Math.ceil(result.ttl / 1000)
      reply.header(LIMIT, rule.max)
      reply.header(RESET, resetSeconds)
      if (result.current <= rule.max) {
        reply.header(REMAINING, rule.max - result.current)
        done(null)
        return
      }
      metrics?.rateLimited(rule.permalink)
      reply.header(REMAINING, 0)
      reply.header(RETRY_AFTER, resetSeconds)
      done(new ConduitError('RATE_LIMITED',
        `Rate limit of ${rule.max} requests per ${rule.windowMs / 1000} s for connector '${rule.permalink}' exceeded; retry in ${Math.max(1, resetSeconds)} s`))
    }, rule.windowMs, rule.max)
  }

  fastify.addHook('preParsing', (request, reply, payload, done) => {
    const rule = ruleOf(request)
    if (rule === null) { done(null, payload); return }
    const next = (err: Error | null): void => { if (err === null) done(null, payload); else done(err) }
    const key = keyOf(request, rule)
    if (typeof key === 'string') count(rule, key, reply, next)
    else key.then(k => { count(rule, k, reply, next) }, next)
  })
}

export default fp(rateLimitPlugin, { fastify: '5.x', name: 'conduit-rate-limit', dependencies: ['conduit-registry'] })

/** At most this many wrong admin tokens per window and IP (SPEC §17). */
export const ADMIN_ATTEMPTS = { max: 10, windowMs: 60_000 } as const

/**
 * Failed admin-token attempts per client IP, for the admin API and the Studio login. Ask
 * `blockedFor(ip)` before checking a token (seconds to wait, 0 = may try) and call `failed(ip)`
 * after a wrong one. A right token does not reset the count: the window does.
 */
export interface FailedAttemptLimiter {
  blockedFor: (ip: string) => Promise<number>
  failed: (ip: string) => Promise<void>
}

const LOCAL_MAX_IPS = 10_000
const ATTEMPTS_PREFIX = 'conduit:admin-attempts:'
const FAILED_SCRIPT = "local n = redis.call('INCR', KEYS[1]) if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end return n"
const CHECK_SCRIPT = "local n = tonumber(redis.call('GET', KEYS[1]) or '0') return {n, redis.call('PTTL', KEYS[1])}"

export function createFailedAttemptLimiter (shared?: SharedConnection, clock: () => number = Date.now, limits: { max: number, windowMs: number } = ADMIN_ATTEMPTS): FailedAttemptLimiter {
  const local = new Map<string, { count: number, resetAt: number }>()
  const localCheck = (ip: string): number => {
    const w = local.get(ip)
    if (w === undefined) return 0
    const left = w.resetAt - clock()
    if (left <= 0) { local.delete(ip); return 0 }
    return w.count >= limits.max ? Math.ceil(left / 1000) : 0
  }
  const localFailed = (ip: string): void => {
    const now = clock()
    let w = local.get(ip)
    if (w === undefined || w.resetAt <= now) w = { count: 0, resetAt: now + limits.windowMs }
    w.count++
    local.delete(ip)
    local.set(ip, w)
    if (local.size > LOCAL_MAX_IPS) local.delete(local.keys().next().value as string)
  }
  if (shared === undefined) {
    return {
      blockedFor: async ip => localCheck(ip),
      failed: async ip => { localFailed(ip) }
    }
  }
  return {
    blockedFor: async ip => await shared.run(async redis => {
      const [count, ttl] = await redis.eval(CHECK_SCRIPT, 1, ATTEMPTS_PREFIX + ip) as [number, number]
      return count >= limits.max && ttl > 0 ? Math.ceil(ttl / 1000) : 0
    }, () => localCheck(ip)),
    failed: async ip => {
      await shared.run(async redis => { await redis.eval(FAILED_SCRIPT, 1, ATTEMPTS_PREFIX + ip, limits.windowMs) }, () => { localFailed(ip) })
    }
  }
}
