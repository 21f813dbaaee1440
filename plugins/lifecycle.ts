// What shutdown needs from the app (SPEC §19): a draining flag (/readyz answers 503 from the moment
// the signal arrives, and responses ask clients to reconnect elsewhere) and the requests in
// flight, so that a shutdown cut short by its grace period can name the requests it cut.
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'

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
  const inFlight = new Set<InFlightRequest>()
  let draining = false

  fastify.decorate('lifecycle', {
    get draining () { return draining },
    drain () { draining = true },
    inFlight: () => [...inFlight]
  } satisfies Lifecycle)

  fastify.addHook('onRequest', (request, reply, done) => {
    const entry: InFlightRequest = { id: request.id, method: request.method, path: request.url.split('?')[0] as string, startedAt: Date.now() }
    inFlight.add(entry)
    // 'close' fires when the response is sent and when the client goes away: both end the request.
    reply.raw.once('close', () => { inFlight.delete(entry) })
    done()
  })
  // While draining every response closes its connection, including those of requests that began
  // before: a keep-alive socket left open would hold the server's close until the grace runs out.
  fastify.addHook('onSend', (_request, reply, payload, done) => {
    if (draining) reply.header('connection', 'close')
    done(null, payload)
  })
}

export default fp(lifecyclePlugin, { fastify: '5.x', name: 'conduit-lifecycle' })
