// What shutdown needs from the app (SPEC §19): a draining flag (/readyz answers 503 from the moment
// the signal arrives, and responses ask clients to reconnect elsewhere) and the requests in
// flight, so that a shutdown cut short by its grace period can name the requests it cut.
import fp from 'fastify-plugin'
import type { FastifyInstance, FastifyReply } from 'fastify'

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

/** Past this many tracked requests, the ones whose socket already went away are swept out. */
const SWEEP_AT = 1024

async function lifecyclePlugin (fastify: FastifyInstance): Promise<void> {
  // The requests in flight, by their reply: added on request, removed when the response is done
  // (onResponse). A request whose client went away may never reach onResponse; it is dropped
  // lazily (its response stream is destroyed), so no listener is added per request.
  const inFlight = new Map<FastifyReply, number>()
  let sweepAt = SWEEP_AT
  const sweep = (): void => {
    for (const reply of inFlight.keys()) if (reply.raw.destroyed || reply.raw.writableFinished) inFlight.delete(reply)
    sweepAt = Math.max(SWEEP_AT, inFlight.size * 2)
  }
  let draining = false

  fastify.decorate('lifecycle', {
    get draining () { return draining },
    drain () { draining = true },
    inFlight: () => {
      sweep()
      return [...inFlight].map(([reply, startedAt]) => {
        const url = reply.request.url
        const q = url.indexOf('?')
        return { id: reply.request.id, method: reply.request.method, path: q === -1 ? url : url.slice(0, q), startedAt }
      })
    }
  } satisfies Lifecycle)

  fastify.addHook('onRequest', (_request, reply, done) => {
    inFlight.set(reply, Date.now())
    if (inFlight.size > sweepAt) sweep()
    done()
  })
  fastify.addHook('onResponse', (_request, reply, done) => {
    inFlight.delete(reply)
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
