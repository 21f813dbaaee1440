// buildApp(): the Fastify app from settings and collaborators, for `conduit serve` and for tests
// (which pass a MockAgent or a loopback-friendly dispatcher, a store and a registry holder).
import Fastify, { LogController } from 'fastify'
import type { FastifyBaseLogger, FastifyInstance } from 'fastify'
import type { Dispatcher } from 'undici'
import type { Settings } from '../src/settings/types.js'
import type { SecretResolver, SecretStore } from '../src/secrets/types.js'
import { createSecretResolver } from '../src/secrets/index.js'
import type { RegistryHolder } from '../src/registry/watch.js'
import { createUpstreamDispatcher } from '../src/upstream/dispatcher.js'
import { TokenCache } from '../src/auth/token-cache.js'
import { SigningKeys } from '../src/auth/jwt.js'
import type { SharedState } from '../src/shared-state/index.js'
import { createCallerVerifier } from '../src/callers/identity.js'
import type { FetchLike } from '../src/callers/identity.js'
import { requestIdFrom } from '../src/pipeline/timing.js'
import type { ExecuteDeps } from '../src/pipeline/types.js'
import { composeSend, type StepInterceptor } from '../src/pipeline/step.js'
import settingsPlugin from './settings.js'
import registryPlugin from './registry.js'
import secretsPlugin from './secrets.js'
import errorsPlugin, { MAX_PATH_PARAMETER, clientErrorHandler, frameworkErrors } from './errors.js'
import healthPlugin from './health.js'
import lifecyclePlugin from './lifecycle.js'
import listenersPlugin, { httpServerOptions } from './listeners.js'
import adminAuth from './admin-auth.js'
import adminSecrets from './admin-secrets.js'
import executeRoutes from './execute-routes.js'
import callersPlugin from './callers.js'
import adminConnectors from './admin-connectors.js'
import { createTraffic } from './traffic.js'
import type { SecretCache } from '../src/secrets/cache.js'
import type { SpanExporter } from '@opentelemetry/sdk-trace-base'
import corsPlugin from './cors.js'
import studio from './studio.js'
import sdkPlugin from './sdk.js'
import { lazyChildLogger } from './request-logger.js'

const LOGS_INFO = new Set(['trace', 'debug', 'info'])

declare module 'fastify' {
  interface FastifyInstance {
    /** Redis-backed shared state, or null when redis.url is not set. */
    sharedState: SharedState | null
  }
}

export interface BuildAppOptions {
  settings: Settings
  store: SecretStore
  /** The request-time cache; built over `store` from settings.secrets.cache when absent. */
  resolver?: SecretResolver
  /** Loaded (or to be loaded) registry; the app reads `current` per request. */
  registry: RegistryHolder
  /** Upstream dispatcher; built from settings.upstream (with its SSRF guard) when absent. */
  dispatcher?: Dispatcher
  tokenCache?: TokenCache
  /** The admin bearer token (settings.admin.token, or the generated one). */
  adminToken: string
  /** A pino logger; silent when absent. */
  logger?: FastifyBaseLogger
  /** Milliseconds since the epoch, for templates' now() and tokens. */
  clock?: () => number
  /** fetch for the callers' JWKS URL. */
  callerFetch?: FetchLike
  /** Close the store when the app closes. */
  closeStore?: boolean
  /** Stages around every upstream call of every step (HTTP cache, metrics, tracing), outermost first. */
  stepInterceptors?: readonly StepInterceptor[]
  /** Redis-backed state shared by replicas (redis.url): token cache, rate-limit counters, HTTP cache entries, admin attempts; closed with the app. */
  sharedState?: SharedState
  /** Tracing on although settings.tracing.enabled is off (OTEL_EXPORTER_OTLP_ENDPOINT, read by bin/). */
  tracing?: boolean
  /** Tests: finished spans go here. */
  tracingExporter?: SpanExporter
}

export async function buildApp (options: BuildAppOptions): Promise<FastifyInstance> {
  const { settings, store } = options
  const resolver = options.resolver ?? createSecretResolver(store, settings.secrets.cache)
  const ownDispatcher = options.dispatcher === undefined
  const dispatcher = options.dispatcher ?? createUpstreamDispatcher(settings.upstream)
  const clock = options.clock ?? Date.now

  const app = Fastify({
    ...(options.logger === undefined ? { logger: false } : { loggerInstance: options.logger }),
    bodyLimit: settings.server.bodyLimit,
    trustProxy: settings.server.trustProxy,
    requestTimeout: settings.server.requestTimeoutMs,
    keepAliveTimeout: settings.server.keepAliveTimeoutMs,
    http: httpServerOptions(settings.server),
    genReqId: (req) => requestIdFrom(req.headers['x-request-id']),
    // Fastify's own logging writes two lines per request (incoming, completed); one completion
    // line below carries the same facts at half the serializing, redacting and writing.
    logController: new LogController({ disableRequestLogging: true }),
    childLoggerFactory: lazyChildLogger,
    return503OnClosing: true,
    // Permalinks (and secret names) may be 255 characters long; Fastify's default stops at 100.
    routerOptions: { maxParamLength: MAX_PATH_PARAMETER },
    frameworkErrors,
    clientErrorHandler
  }) as unknown as FastifyInstance

  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id)
    done()
  })
  const traffic = await createTraffic({
    settings,
    secretLookups: (resolver as Partial<Pick<SecretCache, 'lookups'>>).lookups,
    shared: options.sharedState,
    tracing: options.tracing,
    tracingExporter: options.tracingExporter,
    // One access-log line per request (SPEC §18) replaces Fastify's two.
    accessLog: options.logger !== undefined && LOGS_INFO.has(options.logger.level),
    clock
  })
  // onClose runs once every connection of the server has ended, so no caller waits for an answer
  // any more: an upstream call still running belongs to a caller that went away. close() would
  // wait for it (up to upstream.timeoutMs); destroy() ends it now.
  if (ownDispatcher) app.addHook('onClose', async () => { await dispatcher.destroy() })

  const deps: ExecuteDeps = {
    settings,
    resolver,
    dispatcher,
    clock,
    logger: app.log,
    tokenCache: options.tokenCache ?? new TokenCache({ clock, shared: options.sharedState?.tokens, onTokenRequest: traffic.onTokenRequest }),
    signingKeys: new SigningKeys(),
    send: composeSend([...traffic.interceptors, ...(options.stepInterceptors ?? [])]),
    metrics: traffic.metrics
  }
  const shared = options.sharedState
  // For metrics: stats() counts the fallbacks to local state while Redis is away.
  app.decorate('sharedState', shared ?? null)
  if (shared !== undefined) app.addHook('onClose', async () => { await shared.close() })
  const callers = createCallerVerifier({ callers: settings.callers, fetch: options.callerFetch })
  const registryOptions = {
    allowInsecure: settings.upstream.allowInsecure,
    allowPrivateNetworks: settings.upstream.allowPrivateNetworks,
    allowPrivateHosts: settings.upstream.allowPrivateHosts
  }

  await app.register(errorsPlugin)
  await app.register(lifecyclePlugin)
  await app.register(listenersPlugin, { settings })
  await app.register(settingsPlugin, { settings })
  await app.register(registryPlugin, { holder: options.registry })
  await app.register(corsPlugin, { origins: settings.cors?.origins ?? [] })
  await app.register(secretsPlugin, { store, resolver, closeStore: options.closeStore })
  await app.register(healthPlugin, {
    staleIfErrorMs: settings.secrets.cache.staleIfErrorSeconds * 1000,
    sharedState: shared?.stats,
    clock
  })
  await app.register(adminAuth, { token: options.adminToken, attempts: traffic.adminAttempts })
  await traffic.register(app, callers)
  await app.register(adminSecrets, { store, resolver, adminToken: options.adminToken })
  await app.register(adminConnectors, { deps, registryOptions, tenantId: settings.callers.tenantId })
  await app.register(studio, {
    adminToken: options.adminToken,
    store,
    resolver,
    registryPath: settings.registry.path,
    registryOptions,
    test: { deps, registryOptions, tenantId: settings.callers.tenantId },
    sessions: shared?.sessions,
    clock
  })
  await app.register(sdkPlugin)
  await app.register(callersPlugin, { verifier: callers })
  await app.register(executeRoutes, { deps, callers })
  return app
}
