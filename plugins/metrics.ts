// `GET /metrics` (SPEC §18, Prometheus text through prom-client) and what happens at the end of
// every request: the request counters and duration, and the one access-log line. The route is an
// admin route (the admin listener when admin.port is set); the admin token is required only with
// metrics.requireToken.
import fp from 'fastify-plugin'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { ConduitMetrics } from '../src/observability/metrics.js'
import { accessLogLine } from '../src/observability/access-log.js'

export interface MetricsPluginOptions {
  /** Absent when metrics.enabled is off: no /metrics route, the access log only. */
  metrics?: ConduitMetrics
  requireToken: boolean
  /** Serve GET /metrics here (false when another listener serves it). */
  route?: boolean
  /** Write the access-log line (the logger logs at info). */
  accessLog: boolean
  /** The verified caller's sub of an execute request, when known. */
  callerSub?: (request: FastifyRequest) => string | null | undefined
}

const COMPOSITE_ROUTE = '/connectors/composite/:permalink/execute'

function pathOf (url: string): string {
  const q = url.indexOf('?')
  return q === -1 ? url : url.slice(0, q)
}

async function metricsPlugin (fastify: FastifyInstance, options: MetricsPluginOptions): Promise<void> {
  const { metrics } = options

  if (metrics !== undefined && options.route !== false) {
    fastify.route({
      method: 'GET',
      url: '/metrics',
      ...(options.requireToken ? { onRequest: fastify.requireAdmin } : {}),
      handler: async (_request, reply) => {
        const text = await metrics.registry.metrics()
        return await reply.type(metrics.registry.contentType).send(text)
      }
    })
  }

  if (metrics !== undefined) {
    // The registry in service when the app starts counts as its first load; reloads follow.
    const holder = fastify.connectorRegistry
    const size = (): number => (holder.current?.connectors.size ?? 0) + (holder.current?.composites.size ?? 0)
    if (holder.current !== undefined) metrics.registryReload('ok', size())
    holder.onResult?.(result => { metrics.registryReload(result.ok ? 'ok' : 'error', size()) })
  }

  /** The permalink of an execute request, only when the registry knows it (labels never carry caller input). */
  const connectorOf = (request: FastifyRequest): string => {
    const permalink = (request.params as { permalink?: unknown } | undefined)?.permalink
    if (typeof permalink !== 'string') return ''
    const registry = fastify.connectorRegistry.current
    if (registry === undefined) return ''
    const known = request.routeOptions.url === COMPOSITE_ROUTE ? registry.composites.has(permalink) : registry.connectors.has(permalink)
    return known ? permalink : ''
  }

  // Without metrics and access log there is nothing to do when a response ends: no hook at all
  // (any onResponse hook makes Fastify listen for the end of every response).
  if (metrics === undefined && !options.accessLog) return
  fastify.addHook('onResponse', (request, reply, done) => {
    const timing = request.conduitTiming
    const durationMs = reply.elapsedTime
    let connector: string | undefined
    if (timing !== null) {
      connector = connectorOf(request)
      metrics?.request(connector, request.method, reply.statusCode, durationMs / 1000)
    }
    if (options.accessLog) {
      request.log.info(accessLogLine({
        requestId: request.id,
        method: request.method,
        path: pathOf(request.url),
        status: reply.statusCode,
        durationMs,
        connector,
        timing,
        callerSub: timing === null ? undefined : options.callerSub?.(request)
      }), 'request completed')
    }
    done()
  })
}

export default fp(metricsPlugin, { fastify: '5.x', name: 'conduit-metrics', dependencies: ['conduit-admin-auth', 'conduit-registry'] })
