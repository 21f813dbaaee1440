// What shutdown needs from the app (SPEC §19): a draining flag (/readyz answers 503 from the moment
// the signal arrives, and responses ask clients to reconnect elsewhere) and the requests in
// flight, so that a shutdown cut short by its grace period can name the requests it cut.
import fp from 'fastify-plugin'
import type { ServerResponse } from 'node:http'
import type { FastifyInstance, FastifyRequest } from 'fastify'

export interface InFlightRequest {
  id: string
  method: string
  /** The path without its query string (a query may carry caller data). */
  path: string
  startedAt: number
}

export interface Lifecycle {
  readonly draining: boolean
  /** Readiness turns 503 at once; the listeners keep serving until the app closes. */
  drain: () => void
  inFlight: () => InFlightRequest[]
}

declare module 'fastify' {
  interface FastifyInstance {
    lifecycle: Lifecycle
  }
}

async function lifecyclePlugin (fastify: FastifyInstance): Promise<void> {
  // Each response in flight, with its request and start time: drain() may still turn it to
  // Connection: close. The InFlightRequest (its path cut from the URL) is built only when asked.
  const inFlight = new Map<ServerResponse, { request: FastifyRequest, startedAt: number }>()
  let draining = false

  fastify.decorate('lifecycle', {
    get draining () { return draining },
    drain () {
      draining = true
      // While draining every response closes its connection, including those of requests that
      // began before: a keep-alive socket left open would hold the server's close until the grace
      // runs out. Node writes Connection: close for a response that is not to be kept alive.
      for (const res of inFlight.keys()) if (!res.headersSent) res.shouldKeepAlive = false
    },
    inFlight: () => [...inFlight.values()].map(({ request, startedAt }) =>
      ({ id: request.id, method: request.method, path: request.url.split('?')[0] as string, startedAt }))
  } satisfies Lifecycle)

  // No onSend hook: one more hook run on every response only to look at the draining flag.
  fastify.addHook('onRequest', (request, reply, done) => {
    const res = reply.raw
    if (draining) res.shouldKeepAlive = false
    inFlight.set(res, { request, startedAt: Date.now() })
    // 'close' fires when the response is sent and when the client goes away: both end the request.
    // It fires once per response, so a plain listener does (once() wraps it in one more closure).
    res.on('close', () => { inFlight.delete(res) })
    done()
  })
}

export default fp(lifecyclePlugin, { fastify: '5.x', name: 'conduit-lifecycle' })
