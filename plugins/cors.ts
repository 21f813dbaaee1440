// CORS for browser callers of the execute routes (SPEC §21), through @fastify/cors. Only paths
// under /connectors/ take part; everything else (admin API, Studio) never answers a cross-origin
// request. A preflight (OPTIONS with Access-Control-Request-Method) is answered 204 in the
// onRequest hook, so it never reaches a connector whose own method is OPTIONS; a plain OPTIONS
// call without that header still does.
import fp from 'fastify-plugin'
import cors from '@fastify/cors'
import type { FastifyCorsOptions } from '@fastify/cors'
import type { FastifyInstance, FastifyRequest } from 'fastify'
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

function allowedMethods (fastify: FastifyInstance, url: string): string[] | undefined {
  const match = EXECUTE.exec(url)
  if (match === null) return undefined
  const registry = fastify.connectorRegistry.current
  let permalink = match[2] as string
  try { permalink = decodeURIComponent(permalink) } catch { /* left as sent: no connector matches */ }
  if (match[1] === 'composite') return registry?.composites.has(permalink) === true ? ['POST'] : [...HTTP_METHODS]
  const connector = registry?.connectors.get(permalink)
  return connector === undefined ? [...HTTP_METHODS] : [connector.method]
}

async function corsPlugin (fastify: FastifyInstance, opts: CorsPluginOptions): Promise<void> {
  const origins = opts.origins.includes('*') ? '*' : [...opts.origins]
  await fastify.register(cors, {
    delegator: (request: FastifyRequest, callback: (err: Error | null, options: FastifyCorsOptions) => void) => {
      // The connector's own method is the one a browser may send: a preflight for another
      // method fails in the browser instead of reaching the gateway as METHOD_NOT_ALLOWED.
      const methods = allowedMethods(fastify, request.url)
      if (methods === undefined) { callback(null, { origin: false }); return }
      callback(null, {
        origin: origins,
        methods,
        allowedHeaders: ALLOWED_HEADERS,
        exposedHeaders: EXPOSED_HEADERS,
        maxAge: 600,
        // Only a real preflight is answered here; other OPTIONS requests go on to the route.
        preflight: request.method === 'OPTIONS' && request.headers['access-control-request-method'] !== undefined,
        strictPreflight: false
      })
    }
  })
}

export default fp(corsPlugin, { fastify: '5.x', name: 'conduit-cors', dependencies: ['conduit-registry'] })
