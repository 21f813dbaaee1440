// Rate limiting (SPEC §17) through @fastify/rate-limit: one counter per connector (or composite)
// and key (caller, tenant, ip or global), checked in preParsing, so before the body is read, any
// template renders or any secret is read. Limits come from the connector's `rate_limit`, else
// from the rateLimit settings. Allowed answers carry RateLimit-Limit/Remaining/Reset (the IETF
// draft headers); refused ones are 429 RATE_LIMITED with Retry-After as well. With Redis the
// counters are shared by every replica (the store of src/shared-state), else kept per process.
//
// Also here: the limit on failed admin-token attempts (10 per minute per IP) that the admin API
// and the Studio login share.
import fp from 'fastify-plugin'
import rateLimit from '@fastify/rate-limit'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { ConduitError } from '../src/errors.js'
import type { Settings } from '../src/settings/types.js'
import type { RateLimitRule } from '../src/registry/traffic-fields.js'
import type { CallerIdentity } from '../src/pipeline/caller-identity.js'
import type { ConduitMetrics } from '../src/observability/metrics.js'
import type { RateLimitStoreClass } from '../src/shared-state/rate-limit-store.js'
import type { SharedConnection } from '../src/shared-state/connection.js'

export interface RateLimitPluginOptions {
  settings: Settings['rateLimit']
  /** The verified caller; a rejection (invalid token) counts the request by IP instead (the route answers 401). */
  callerOf: (request: FastifyRequest) => CallerIdentity | Promise<CallerIdentity>
  /** Shared counters (Redis); per process when absent. */
  store?: RateLimitStoreClass
  metrics?: ConduitMetrics
}

type RateLimitPluginOptionsStore = NonNullable<import('@fastify/rate-limit').RateLimitPluginOptions['store']>

interface AppliedRule { scope: string, permalink: string, max: number, windowMs: number, key: RateLimitRule['key'] & string }

declare module 'fastify' {
  interface FastifyRequest {
    /** The limit that applies to this execute request; null when none does. */
    conduitRateRule: AppliedRule | null
  }
}

const COMPOSITE_ROUTE = '/connectors/composite/:permalink/execute'
const EXECUTE_ROUTE = '/connectors/:permalink/execute'

async function rateLimitPlugin (fastify: FastifyInstance, options: RateLimitPluginOptions): Promise<void> {
  const defaults = options.settings
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

  const keyOf = async (request: FastifyRequest): Promise<string> => {
    const rule = ruleOf(request)
    request.conduitRateRule = rule
    if (rule === null) return ''
    if (rule.key === 'global') return rule.scope
    if (rule.key === 'ip') return rule.scope + '|ip:' + request.ip
    let identity: CallerIdentity | undefined
    try {
      identity = await options.callerOf(request)
    } catch {
      // An invalid caller token: counted by address; the route refuses it with 401 anyway.
    }
    const id = rule.key === 'caller' ? identity?.user.id : identity?.tenantId
    return id === null || id === undefined || id === '' ? rule.scope + '|ip:' + request.ip : rule.scope + '|' + rule.key + ':' + String(id)
  }

  fastify.decorateRequest('conduitRateRule', null)
  await fastify.register(rateLimit, {
    global: false,
    enableDraftSpec: true,
    // The shared store keeps @fastify/rate-limit's store contract; its typings are narrower than the JS.
    ...(options.store === undefined ? {} : { store: options.store as unknown as RateLimitPluginOptionsStore }),
    keyGenerator: keyOf,
    allowList: (request) => request.conduitRateRule === null,
    max: (request) => (request.conduitRateRule as AppliedRule).max,
    timeWindow: (request) => (request.conduitRateRule as AppliedRule).windowMs,
    onExceeded: (request) => {
      const rule = request.conduitRateRule
      if (rule !== null) options.metrics?.rateLimited(rule.permalink)
    },
    errorResponseBuilder: (request, context) => {
      const rule = request.conduitRateRule as AppliedRule
      const retry = Math.max(1, Math.ceil(context.ttl / 1000))
      return new ConduitError('RATE_LIMITED',
        `Rate limit of ${context.max} requests per ${rule.windowMs / 1000} s for connector '${rule.permalink}' exceeded; retry in ${retry} s`) as unknown as Error
    }
  })
  const limit = fastify.rateLimit()
  fastify.addHook('preParsing', async (request, reply, payload) => {
    const url = request.routeOptions.url
    if (url === EXECUTE_ROUTE || url === COMPOSITE_ROUTE) await limit.call(fastify, request, reply)
    return payload
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
