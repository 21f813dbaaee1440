// OpenTelemetry tracing (SPEC §18), only when `tracing.enabled` or OTEL_EXPORTER_OTLP_ENDPOINT:
// off costs nothing, because this module loads no OpenTelemetry code until createTracing() runs.
//
// One SERVER span per request, continuing the caller's W3C `traceparent`; its children are the
// pipeline's stages as CallTiming marks them (secret resolution, rendering, cache lookup, token
// requests, the response template), made from the marks after the fact, and a CLIENT span around
// each upstream call whose context goes upstream as `traceparent`. No global OpenTelemetry state
// is registered: the provider, tracer and propagator are this app's own.
import type { FastifyInstance, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { performance } from 'node:perf_hooks'
import type { Context, Span, Tracer, TextMapPropagator } from '@opentelemetry/api'
import type { SpanExporter } from '@opentelemetry/sdk-trace-base'
import type { StepInterceptor } from '../src/pipeline/step.js'
import type { CallTiming } from '../src/pipeline/timing.js'

export interface TracingOptions {
  serviceName: string
  version: string
  /** OTLP/HTTP traces URL; absent: the exporter's own OTEL_EXPORTER_OTLP_* environment. */
  endpoint?: string
  /** Tests pass an in-memory exporter; spans are then exported one by one, at once. */
  exporter?: SpanExporter
}

export interface Tracing {
  /** The Fastify side: request spans. Register before the routes. */
  plugin: (fastify: FastifyInstance) => Promise<void>
  /** The upstream side: a CLIENT span per upstream call and `traceparent` upstream. Inside the HTTP cache. */
  interceptor: StepInterceptor
  shutdown: () => Promise<void>
}

/** A request's trace: its span, and where the next stage span starts. */
interface RequestTrace {
  span: Span
  context: Context
  mark: number
  inUpstream: boolean
  upstreamDone: boolean
}

declare module 'fastify' {
  interface FastifyRequest {
    conduitSpan: Span | null
  }
}

/** Epoch milliseconds with sub-millisecond precision, as OpenTelemetry takes them. */
function nowMs (): number {
  return performance.timeOrigin + performance.now()
}

export async function createTracing (options: TracingOptions): Promise<Tracing> {
  const api = await import('@opentelemetry/api')
  const { BasicTracerProvider, BatchSpanProcessor, SimpleSpanProcessor } = await import('@opentelemetry/sdk-trace-base')
  const { W3CTraceContextPropagator } = await import('@opentelemetry/core')
  const { resourceFromAttributes } = await import('@opentelemetry/resources')
  let exporter = options.exporter
  if (exporter === undefined) {
    const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http')
    exporter = new OTLPTraceExporter(options.endpoint === undefined ? {} : { url: options.endpoint })
  }
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': options.serviceName, 'service.version': options.version }),
    spanProcessors: [options.exporter === undefined ? new BatchSpanProcessor(exporter) : new SimpleSpanProcessor(exporter)]
  })
  const tracer: Tracer = provider.getTracer('conduit', options.version)
  const propagator: TextMapPropagator = new W3CTraceContextPropagator()
  const traces = new WeakMap<CallTiming, RequestTrace>()

  const stageName = (trace: RequestTrace, stage: string): string | undefined => {
    if (trace.inUpstream) return undefined // the upstream call has its own span
    switch (stage) {
      case 'setup': return 'secret resolution'
      case 'cache': return 'cache lookup'
      case 'transform':
        if (!trace.upstreamDone) return 'render'
        // The first transform after an upstream call is its response template; a composite's
        // next step renders again after it.
        trace.upstreamDone = false
        return 'response template'
      case 'external': return trace.upstreamDone ? undefined : 'token request'
      default: return undefined
    }
  }

  /** Every lap of this request's timing also closes a child span covering the same stretch. */
  const follow = (timing: CallTiming, trace: RequestTrace): void => {
    traces.set(timing, trace)
    const lap = timing.lap.bind(timing)
    timing.lap = (stage) => {
      lap(stage)
      const now = nowMs()
      const name = stageName(trace, stage)
      if (name !== undefined && now > trace.mark) {
        tracer.startSpan(name, { startTime: trace.mark, attributes: { 'conduit.stage': stage } }, trace.context).end(now)
      }
      trace.mark = now
    }
  }

  const plugin = fp(async (fastify: FastifyInstance): Promise<void> => {
    fastify.decorateRequest('conduitSpan', null)
    fastify.addHook('onRequest', (request, _reply, done) => {
      const parent = propagator.extract(api.ROOT_CONTEXT, request.headers, api.defaultTextMapGetter)
      request.conduitSpan = tracer.startSpan(`${request.method} ${request.routeOptions.url ?? 'unknown route'}`, {
        kind: api.SpanKind.SERVER,
        startTime: nowMs(),
        attributes: { 'http.request.method': request.method, 'http.route': request.routeOptions.url ?? '', 'conduit.request_id': request.id }
      }, parent)
      done()
    })
    // After every onRequest hook: the execute routes have created the call's timing by now.
    fastify.addHook('preParsing', (request, _reply, payload, done) => {
      const span = request.conduitSpan
      const timing = request.conduitTiming
      if (span !== null && timing !== null && !traces.has(timing)) {
        follow(timing, { span, context: api.trace.setSpan(api.ROOT_CONTEXT, span), mark: nowMs(), inUpstream: false, upstreamDone: false })
        const permalink = (request.params as { permalink?: unknown }).permalink
        if (typeof permalink === 'string') span.setAttribute('conduit.connector', permalink)
      }
      done(null, payload)
    })
    fastify.addHook('onResponse', (request: FastifyRequest, reply, done) => {
      const span = request.conduitSpan
      if (span !== null) {
        span.setAttribute('http.response.status_code', reply.statusCode)
        if (reply.statusCode >= 500) span.setStatus({ code: api.SpanStatusCode.ERROR })
        span.end(nowMs())
      }
      done()
    })
    fastify.addHook('onClose', async () => { await provider.shutdown() })
  }, { fastify: '5.x', name: 'conduit-tracing' })

  const interceptor: StepInterceptor = next => async req => {
    const trace = traces.get(req.timing)
    if (trace === undefined) return await next(req)
    let host = ''
    try { host = new URL(req.url).host } catch {}
    const span = tracer.startSpan(`${req.method} ${host}`, {
      kind: api.SpanKind.CLIENT,
      startTime: nowMs(),
      attributes: { 'http.request.method': req.method, 'server.address': host, 'conduit.connector': req.permalink }
    }, trace.context)
    const headers = { ...req.headers }
    propagator.inject(api.trace.setSpan(api.ROOT_CONTEXT, span), headers, api.defaultTextMapSetter)
    trace.inUpstream = true
    try {
      const res = await next({ ...req, headers })
      span.setAttribute('http.response.status_code', res.status)
      if (res.status >= 500) span.setStatus({ code: api.SpanStatusCode.ERROR })
      return res
    } catch (err) {
      span.setStatus({ code: api.SpanStatusCode.ERROR, message: (err as { code?: string }).code ?? 'error' })
      throw err
    } finally {
      const end = nowMs()
      span.end(end)
      trace.inUpstream = false
      trace.upstreamDone = true
      trace.mark = end
    }
  }

  return { plugin, interceptor, shutdown: async () => { await provider.shutdown() } }
}
