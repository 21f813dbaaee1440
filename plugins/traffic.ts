// Traffic control and observability of one app (SPEC §8, §17, §18), built from settings: the
// metrics, the interceptors around every upstream call (HTTP cache outermost, then timing,
// tracing and the X-Request-ID / User-Agent headers), the rate limiter, the failed-admin-token
// limiter and tracing. buildApp registers `plugins()` before any route, so their hooks cover them.
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { SpanExporter } from '@opentelemetry/sdk-trace-base'
import type { Settings } from '../src/settings/types.js'
import type { StepInterceptor } from '../src/pipeline/step.js'
import type { CallerIdentity, CallerVerifier } from '../src/callers/identity.js'
import { createMetrics, type ConduitMetrics } from '../src/observability/metrics.js'
import { upstreamIdentity, upstreamObserver } from '../src/observability/upstream-interceptors.js'
import { CONDUIT_VERSION } from '../src/observability/version.js'
import { httpCacheInterceptor, type HttpCacheStore } from '../src/upstream/http-cache.js'
import { createByteBackedCacheStore, createMemoryByteStore, createMemoryCacheStore } from '../src/upstream/http-cache-stores.js'
import type { SharedState } from '../src/shared-state/index.js'
import metricsPlugin from './metrics.js'
import rateLimitPlugin, { createFailedAttemptLimiter, type FailedAttemptLimiter } from './rate-limit.js'
import { createTracing, type Tracing } from './tracing.js'

export interface TrafficOptions {
  settings: Pick<Settings, 'rateLimit' | 'cache' | 'metrics' | 'tracing'>
  /** Counts of the secret cache's lookups (SecretCache.lookups). */
  secretLookups?: Readonly<Record<'hit' | 'miss' | 'stale' | 'error', number>>
  shared?: SharedState
  /** Tracing is on (settings.tracing.enabled, or OTEL_EXPORTER_OTLP_ENDPOINT seen by bin/). */
  tracing?: boolean
  /** Tests: spans go here instead of OTLP. */
  tracingExporter?: SpanExporter
  /** Log the access-log line (the logger logs at info). */
  accessLog: boolean
  /** Milliseconds since the epoch, for the failed-attempt windows; Date.now when absent. */
  clock?: () => number
}

export interface Traffic {
  metrics: ConduitMetrics | undefined
  /** Around every upstream call, outermost first. */
  interceptors: StepInterceptor[]
  /** Failed admin-token attempts per IP, for the admin API and the Studio login. */
  adminAttempts: FailedAttemptLimiter
  /** Told of each token request (TokenCache's onTokenRequest). */
  onTokenRequest: ((result: 'ok' | 'error') => void) | undefined
  /** Registers the hooks (tracing, rate limit, metrics and access log); before the routes, after admin auth. */
  register: (app: FastifyInstance, callers: CallerVerifier) => Promise<void>
}

export async function createTraffic (options: TrafficOptions): Promise<Traffic> {
  const { settings } = options
  const metrics = settings.metrics.enabled ? createMetrics() : undefined
  const lookups = options.secretLookups
  if (metrics !== undefined && lookups !== undefined) metrics.watchSecretCache(() => lookups)

  let tracing: Tracing | undefined
  if (options.tracing === true || settings.tracing.enabled) {
    tracing = await createTracing({ serviceName: settings.tracing.serviceName, version: CONDUIT_VERSION, endpoint: settings.tracing.endpoint, exporter: options.tracingExporter })
  }

  const interceptors: StepInterceptor[] = []
  if (settings.cache.enabled) {
    const shared = settings.cache.store === 'redis' && options.shared !== undefined
    interceptors.push(httpCacheInterceptor({
      store: cacheStore(settings.cache, options.shared),
      storeIsPrivate: !shared,
      maxEntryBytes: settings.cache.maxEntryBytes,
      onResult: metrics === undefined ? undefined : (permalink, result) => { metrics.cacheResult(permalink, result) }
    }))
  }
  // Upstream durations feed the metrics, upstream statuses the access log: neither, no observer.
  if (metrics !== undefined || options.accessLog) interceptors.push(upstreamObserver(metrics))
  if (tracing !== undefined) interceptors.push(tracing.interceptor)
  interceptors.push(upstreamIdentity(CONDUIT_VERSION))

  return {
    metrics,
    interceptors,
    adminAttempts: createFailedAttemptLimiter(options.shared?.connection, options.clock),
    onTokenRequest: metrics === undefined ? undefined : result => { metrics.tokenRequest(result) },
    register: async (app, callers) => {
      if (tracing !== undefined) await app.register(tracing.plugin)
      // request.caller is set by the execute routes' identifyCaller hook (onRequest), before the limiter.
      const identityOf = (request: FastifyRequest): CallerIdentity | Promise<CallerIdentity> => {
        if (request.caller !== null) return request.caller
        const authorization = request.headers.authorization
        return callers.identifyCached?.(authorization) ?? callers.identify(authorization)
      }
      await app.register(rateLimitPlugin, {
        settings: settings.rateLimit,
        callerOf: identityOf,
        store: options.shared?.rateLimitStore,
        metrics
      })
      await app.register(metricsPlugin, {
        metrics,
        requireToken: settings.metrics.requireToken,
        accessLog: options.accessLog,
        callerSub: request => request.caller?.user.id
      })
    }
  }
}

function cacheStore (settings: Settings['cache'], shared: SharedState | undefined): HttpCacheStore {
  const bounds = { maxBytes: settings.maxBytes, maxEntryBytes: settings.maxEntryBytes }
  if (settings.store === 'redis' && shared !== undefined) {
    return createByteBackedCacheStore(shared.cacheStore({ local: createMemoryByteStore(bounds), maxEntryBytes: settings.maxEntryBytes + 64 * 1024 }))
  }
  return createMemoryCacheStore(bounds)
}
