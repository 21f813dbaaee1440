// /healthz (process alive) and /readyz (SPEC §12, §19), no auth. /readyz is 200 when the registry is
// loaded and the secret store answers or answered within secrets.cache.staleIfErrorSeconds: the
// cache serves stale values that long, so a Vault outage must not take every replica out of
// service. It answers 503 from the moment shutdown starts. Its JSON names each check; a registry
// whose last reload failed is "stale" (the previous one serves) and the reload error is shown.
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { formatProblem } from '../src/registry/types.js'
import type { SharedStateStats } from '../src/shared-state/connection.js'

export interface HealthOptions {
  /** How long after its last answer the store still counts as usable (staleIfErrorSeconds, in ms). */
  staleIfErrorMs: number
  /** A probe never waits longer than this for the store. */
  pingTimeoutMs?: number
  /** Shared state, when configured: reported, never a reason to be unready (replicas fall back). */
  sharedState?: () => SharedStateStats
  clock?: () => number
}

type Ping = 'ok' | 'unreachable'

async function healthPlugin (fastify: FastifyInstance, opts: HealthOptions): Promise<void> {
  const clock = opts.clock ?? Date.now
  const pingTimeoutMs = opts.pingTimeoutMs ?? 2000
  let lastReachable: number | undefined
  // Probes of several kinds (and several load balancers) share one store round trip.
  let pending: Promise<Ping> | undefined

  const ping = (): Promise<Ping> => {
    pending ??= new Promise<Ping>(resolve => {
      const timer = setTimeout(() => resolve('unreachable'), pingTimeoutMs)
      fastify.secretStore.ping().then(() => {
        lastReachable = clock()
        resolve('ok')
      }, () => resolve('unreachable')).finally(() => clearTimeout(timer))
    }).finally(() => { pending = undefined })
    return pending
  }

  // The store's first answer starts the stale window, even before the first probe.
  fastify.addHook('onReady', async () => { ping().catch(() => {}) })

  fastify.get('/healthz', async () => ({ status: 'ok' }))

  fastify.get('/readyz', async (_request, reply) => {
    const checks: Record<string, string> = {}
    const body: Record<string, unknown> = { status: 'ok', checks }
    const holder = fastify.connectorRegistry
    const lastError = holder.lastError
    if (holder.current === undefined) {
      checks.registry = 'not loaded'
    } else if (lastError !== undefined && lastError.length > 0) {
      checks.registry = 'stale'
      body.registryError = lastError.map(formatProblem).join('; ')
    } else {
      checks.registry = 'ok'
    }
    const store = await ping()
    if (store === 'ok') {
      checks.secrets = 'ok'
    } else if (lastReachable !== undefined && opts.staleIfErrorMs > 0 && clock() - lastReachable <= opts.staleIfErrorMs) {
      checks.secrets = 'stale'
    } else {
      checks.secrets = 'unreachable'
    }
    if (opts.sharedState !== undefined) checks.redis = opts.sharedState().up ? 'ok' : 'unreachable (local fallback)'
    if (fastify.lifecycle.draining) checks.shutdown = 'draining'
    const ready = checks.registry !== 'not loaded' && checks.secrets !== 'unreachable' && !fastify.lifecycle.draining
    body.status = ready ? 'ok' : 'unavailable'
    return await reply.code(ready ? 200 : 503).send(body)
  })
}

export default fp(healthPlugin, {
  fastify: '5.x',
  name: 'conduit-health',
  dependencies: ['conduit-registry', 'conduit-secrets', 'conduit-lifecycle']
})
