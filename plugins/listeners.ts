// The HTTP listeners (SPEC §19). Both bound a whole incoming request, body included, by
// server.requestTimeoutMs (a body trickled byte by byte cannot hold a connection), and keep idle
// connections for server.keepAliveTimeoutMs (longer than load balancers' idle time, so they close first).
//
// With admin.port set, one app serves two listeners: the public port answers only the execute
// routes and health; everything else — the admin API, /metrics, the Studio and any admin-side
// plugin added later — answers only on the admin port. Routes are told apart by path, so a new
// admin plugin lands on the admin side without being listed here.
import { createServer } from 'node:http'
import type { IncomingMessage, Server, ServerOptions } from 'node:http'
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import type { Settings } from '../src/settings/types.js'
import { clientErrorHandler } from './errors.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** Starts the admin listener (when admin.port is set); resolves to its address, or undefined. */
    listenAdmin: () => Promise<string | undefined>
  }
}

const PUBLIC_PREFIXES = ['/connectors/', '/sdk/']
const HEALTH = new Set(['/healthz', '/readyz'])
const FROM_ADMIN_LISTENER = Symbol('conduit.adminListener')

function pathOf (url: string): string {
  const q = url.indexOf('?')
  return q === -1 ? url : url.slice(0, q)
}

/** Served on the public port when the admin listener is separate. */
export function isPublicPath (url: string): boolean {
  const path = pathOf(url)
  return HEALTH.has(path) || PUBLIC_PREFIXES.some(prefix => path.startsWith(prefix))
}

/** Options of node:http servers (and of Fastify's own) from server.* settings. */
export function httpServerOptions (server: Settings['server']): ServerOptions {
  return {
    requestTimeout: server.requestTimeoutMs,
    headersTimeout: Math.min(60_000, server.requestTimeoutMs),
    keepAliveTimeout: server.keepAliveTimeoutMs,
    // Node checks the timeouts on this interval (30 s by default): a 30 s timeout would then cut at up to 60 s.
    connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(server.requestTimeoutMs / 10)))
  }
}

export interface ListenersOptions {
  settings: Settings
}

async function listenersPlugin (fastify: FastifyInstance, opts: ListenersOptions): Promise<void> {
  const { admin, server } = opts.settings
  if (admin.port === undefined) {
    fastify.decorate('listenAdmin', async () => undefined)
    return
  }
  const adminPort = admin.port
  const adminHost = admin.host ?? server.host
  let adminServer: Server | undefined

  fastify.addHook('onRequest', (request, reply, done) => {
    const fromAdmin = (request.raw as IncomingMessage & { [FROM_ADMIN_LISTENER]?: true })[FROM_ADMIN_LISTENER] === true
    const path = pathOf(request.url)
    const allowed = HEALTH.has(path) || fromAdmin !== isPublicPath(path)
    if (allowed) { done(); return }
    reply.callNotFound()
  })

  fastify.decorate('listenAdmin', async () => {
    const srv = createServer(httpServerOptions(server), (req, res) => {
      (req as IncomingMessage & { [FROM_ADMIN_LISTENER]?: true })[FROM_ADMIN_LISTENER] = true
      fastify.routing(req, res)
    })
    srv.on('clientError', clientErrorHandler)
    adminServer = srv
    await new Promise<void>((resolve, reject) => {
      srv.once('error', reject)
      srv.listen(adminPort, adminHost, () => { srv.off('error', reject); resolve() })
    })
    const address = srv.address() as { address: string, port: number, family: string }
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address
    return `http://${host}:${address.port}`
  })

  // Closed with the app, beside the public listener: new connections are refused at once, and the
  // app's close waits for the admin requests in flight.
  let closed: Promise<void> | undefined
  fastify.addHook('preClose', (done) => {
    const srv = adminServer
    if (srv !== undefined) {
      closed = new Promise<void>(resolve => srv.close(() => resolve()))
      srv.closeIdleConnections()
    }
    done()
  })
  fastify.addHook('onClose', async () => { await closed })
}

export default fp(listenersPlugin, { fastify: '5.x', name: 'conduit-listeners' })
