// CORS for browser callers of the execute routes (SPEC §21). Only paths under /connectors/ take
// part; everything else (admin API, Studio) never answers a cross-origin request. A preflight
// (OPTIONS with Access-Control-Request-Method) is answered 204 in the onRequest hook, so it never
// reaches a connector whose own method is OPTIONS; a plain OPTIONS call without that header does.
//
// Written here rather than through @fastify/cors: its per-request form (a delegator, needed for
// the per-connector Allow-Methods) copies and normalises its whole option set twice on every
// request, Origin header or not, which measured as the largest single hook cost of an execute
// call. Every header value below is computed once, at registration.
import fp from 'fastify-plugin'
import type { FastifyInstance, FastifyReply } from 'fastify'
import { HTTP_METHODS } from '../src/registry/types.js'

export interface CorsPluginOptions {
  /** settings.cors.origins: exact origins, or '*' for any. Empty: preflights answered, no origin allowed. */
  origins: readonly string[]
}

export const ALLOWED_HEADERS = ['Content-Type', 'Authorization', 'X-Path-Params', 'X-Request-ID', 'traceparent']
export const EXPOSED_HEADERS = [
  'X-Request-ID', 'Server-Timing', 'X-Connector-Timing',
  'RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset', 'RateLimit-Policy', 'Retry-After'
]

const EXECUTE = /^\/connectors\/(?:(composite)\/)?([^/?#]+)\/execute(?:[?#]|$)/
const ALLOW_HEADERS = ALLOWED_HEADERS.join(', ')
const EXPOSE_HEADERS = EXPOSED_HEADERS.join(', ')
const ALL_METHODS = HTTP_METHODS.join(', ')
const MAX_AGE_SECONDS = '600'

async function corsPlugin (fastify: FastifyInstance, opts: CorsPluginOptions): Promise<void> {
  const anyOrigin = opts.origins.includes('*')
  const allowed = new Set(opts.origins)
  // An answer depends on the caller's Origin only when some origin (not any) is allowed.
  const varies = !anyOrigin && allowed.size > 0

  /** The Access-Control-Allow-Origin value for this Origin, or undefined when it is not allowed. */
  const allowOrigin = (origin: string | undefined): string | undefined =>
    origin === undefined ? undefined : anyOrigin ? '*' : allowed.has(origin) ? origin : undefined

  /** The connector's own method is the one a browser may send: a preflight for another fails in the browser. */
  const allowedMethods = (url: string): string | undefined => {
    const match = EXECUTE.exec(url)
    if (match === null) return undefined
    const registry = fastify.connectorRegistry.current
    let permalink = match[2] as string
    try { permalink = decodeURIComponent(permalink) } catch { /* left as sent: no connector matches */ }
    if (match[1] === 'composite') return registry?.composites.has(permalink) === true ? 'POST' : ALL_METHODS
    return registry?.connectors.get(permalink)?.method ?? ALL_METHODS
  }

  const addOriginHeaders = (reply: FastifyReply, origin: string | undefined): void => {
    if (varies) reply.header('vary', 'Origin')
    const allow = allowOrigin(origin)
    if (allow === undefined) return
    reply.header('access-control-allow-origin', allow)
    reply.header('access-control-expose-headers', EXPOSE_HEADERS)
  }

  fastify.addHook('onRequest', (request, reply, done) => {
    const origin = request.headers.origin
    const preflight = request.method === 'OPTIONS' && request.headers['access-control-request-method'] !== undefined
    // A plain server-to-server call: nothing to add but Vary.
    if (origin === undefined && !preflight) {
      if (varies && request.url.startsWith('/connectors/')) reply.header('vary', 'Origin')
      done()
      return
    }
    const methods = allowedMethods(request.url)
    if (methods === undefined) { done(); return }
    addOriginHeaders(reply, origin)
    if (!preflight) { done(); return }
    reply.header('access-control-allow-methods', methods)
    reply.header('access-control-allow-headers', ALLOW_HEADERS)
    reply.header('access-control-max-age', MAX_AGE_SECONDS)
    // Safari waits for a body on a 204 without Content-Length.
    reply.code(204).header('content-length', '0').send()
  })
}

export default fp(corsPlugin, { fastify: '5.x', name: 'conduit-cors', dependencies: ['conduit-registry'] })
