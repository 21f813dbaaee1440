// The Developer Studio (SPEC §20) at /studio on the admin listener: sign-in with the admin token
// to a server-side session (HttpOnly, SameSite=Strict cookie; Secure behind TLS; 8 h), a CSRF
// token on every form and Studio fetch, strict CSP, and the pages of studio-entries.ts,
// studio-connectors.ts and studio-playground.ts. Pages are eta templates from views/.
import { createHash, timingSafeEqual } from 'node:crypto'
import cookie from '@fastify/cookie'
import formbody from '@fastify/formbody'
import fastifyStatic from '@fastify/static'
import { Eta } from 'eta'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { RegistryOptions } from '../src/registry/types.js'
import type { SecretResolver, SecretStore } from '../src/secrets/types.js'
import { createFailedAttemptLimiter } from './rate-limit.js'
import { PROJECT_ROOT, STATIC_DIR, STUDIO_ROOT, VIEWS_DIR } from '../src/studio/paths.js'
import { SessionStore, randomToken, sameToken } from '../src/studio/sessions.js'
import type { SharedSessionStore, StudioSession } from '../src/studio/sessions.js'
import type { AdminConnectorsOptions } from './admin-connectors.js'
import studioEntries from './studio-entries.js'
import studioConnectors from './studio-connectors.js'
import studioPlayground from './studio-playground.js'

export interface StudioOptions {
  adminToken: string
  store: SecretStore
  resolver: SecretResolver
  /** settings.registry.path: where Save writes, and what source files are shown relative to. */
  registryPath: string
  registryOptions: RegistryOptions
  /** The admin test-connection options: the Studio runs the same function. */
  test: AdminConnectorsOptions
  /** Sessions shared by replicas (Redis); this process only when absent. */
  sessions?: SharedSessionStore
  /** Milliseconds since the epoch (session expiry, login windows). */
  clock?: () => number
}

/** What the Studio's page plugins share. */
export interface StudioKit {
  page: (reply: FastifyReply, view: string, data: Record<string, unknown>, status?: number) => FastifyReply
  /** Secret values this process knows, for scrubbing anything shown that came from outside. */
  knownSecrets: () => Iterable<string>
  options: StudioOptions
}

declare module 'fastify' {
  interface FastifyRequest {
    studioSession: StudioSession | null
  }
}

export const SESSION_COOKIE = 'conduit_studio'
const LOGIN_COOKIE = 'conduit_studio_login'

const CSP = [
  "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:",
  "connect-src 'self'", "form-action 'self'", "frame-ancestors 'none'", "base-uri 'none'", "object-src 'none'"
].join('; ')

const NAV = [
  { href: '/studio/connectors', label: 'Connectors' },
  { href: '/studio/secrets', label: 'Secrets' },
  { href: '/studio/variables', label: 'Variables' },
  { href: '/studio/playground', label: 'Playground' }
]

function digest (text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest()
}

function isApi (request: FastifyRequest): boolean {
  return request.url.startsWith('/studio/api/')
}

/** Same-origin check for writes: a browser always sends Origin on a cross-site POST. */
function crossSite (request: FastifyRequest): boolean {
  if (request.headers['sec-fetch-site'] === 'cross-site') return true
  const origin = request.headers.origin
  if (origin === undefined || origin === 'null') return origin === 'null'
  return origin !== `${request.protocol}://${request.host}`
}

async function studio (fastify: FastifyInstance, options: StudioOptions): Promise<void> {
  if (STUDIO_ROOT === undefined) {
    // The gateway serves on without its Studio rather than not at all.
    fastify.log.error(`the Studio is unavailable: its views/ and static/ folders are missing next to ${PROJECT_ROOT}`)
    fastify.all('/studio', async (_request, reply) => await reply.code(503).type('text/plain; charset=utf-8').send('The Studio is not installed (views/ and static/ are missing)'))
    fastify.all('/studio/*', async (_request, reply) => await reply.code(503).type('text/plain; charset=utf-8').send('The Studio is not installed (views/ and static/ are missing)'))
    return
  }
  const clock = options.clock ?? Date.now
  const sessions = new SessionStore({ clock, shared: options.sessions })
  // The admin API's failed-token counter (shared through Redis when set): ten wrong tokens per
  // minute and IP, whichever door they knock on.
  const attempts = fastify.hasDecorator('adminAttempts') && fastify.adminAttempts !== undefined
    ? fastify.adminAttempts
    : createFailedAttemptLimiter(undefined, clock)
  const expected = digest(options.adminToken)
  const eta = new Eta({ views: VIEWS_DIR, cache: true, autoEscape: true, autoTrim: [false, 'nl'] })

  const kit: StudioKit = {
    options,
    knownSecrets: () => options.resolver.knownSecretValues(),
    page (reply, view, data, status = 200) {
      const request = reply.request
      const session = request.studioSession
      const all = { ...data, csrf: session?.csrf ?? '', signedIn: session !== null, nav: NAV, path: request.url.split('?')[0] }
      const body = eta.render(view, all)
      const html = eta.render('layout', { ...all, body })
      return reply.code(status).type('text/html; charset=utf-8').send(html)
    }
  }

  await fastify.register(cookie)
  await fastify.register(formbody, { bodyLimit: 1024 * 1024 })
  await fastify.register(fastifyStatic, { root: STATIC_DIR, prefix: '/studio/static/', decorateReply: false, index: false, list: false })
  fastify.decorateRequest('studioSession', null)

  fastify.addHook('onSend', async (request, reply, payload) => {
    reply.header('content-security-policy', CSP)
    reply.header('x-content-type-options', 'nosniff')
    // 'no-referrer' would make the browser send 'Origin: null' on the Studio's own form posts.
    reply.header('referrer-policy', 'same-origin')
    reply.header('x-frame-options', 'DENY')
    if (!request.url.startsWith('/studio/static/')) reply.header('cache-control', 'no-store')
    return payload
  })

  const setSessionCookie = (request: FastifyRequest, reply: FastifyReply, value: string, maxAge: number): void => {
    reply.setCookie(SESSION_COOKIE, value, {
      path: '/studio', httpOnly: true, sameSite: 'strict', secure: request.protocol === 'https', maxAge
    })
  }

  // Every page but the sign-in page and the static files needs a session; every write a CSRF token.
  fastify.addHook('preHandler', async (request, reply) => {
    const url = request.url.split('?')[0] as string
    if (url.startsWith('/studio/static/')) return
    request.studioSession = await sessions.get(request.cookies[SESSION_COOKIE]) ?? null
    if (url === '/studio/login') return
    if (request.studioSession === null) {
      if (isApi(request)) return await reply.code(401).send({ error: 'Your Studio session has ended: sign in again' })
      return await reply.redirect('/studio/login', 303)
    }
    if (request.method === 'GET' || request.method === 'HEAD') return
    const sent = isApi(request)
      ? request.headers['x-csrf-token']
      : (request.body as Record<string, unknown> | undefined)?._csrf
    if (crossSite(request) || typeof sent !== 'string' || !sameToken(sent, request.studioSession.csrf)) {
      if (isApi(request)) return await reply.code(403).send({ error: 'Missing or invalid CSRF token: reload the page' })
      return kit.page(reply, 'message', { title: 'Request refused', message: 'This form was not sent by the Studio (missing or invalid CSRF token). Reload the page and try again.' }, 403)
    }
  })

  const loginPage = (reply: FastifyReply, error: string, status = 200): FastifyReply => {
    const token = randomToken()
    reply.setCookie(LOGIN_COOKIE, token, { path: '/studio/login', httpOnly: true, sameSite: 'strict', secure: reply.request.protocol === 'https', maxAge: 3600 })
    return kit.page(reply, 'login', { title: 'Sign in', loginCsrf: token, error }, status)
  }

  fastify.get('/studio', async (request, reply) => reply.redirect(await sessions.get(request.cookies[SESSION_COOKIE]) === undefined ? '/studio/login' : '/studio/connectors', 303))

  fastify.get('/studio/login', async (request, reply) => {
    if (request.studioSession !== null) return await reply.redirect('/studio/connectors', 303)
    return loginPage(reply, '')
  })

  fastify.post<{ Body: Record<string, unknown> }>('/studio/login', async (request, reply) => {
    const body = request.body ?? {}
    const formToken = typeof body._csrf === 'string' ? body._csrf : ''
    const cookieToken = request.cookies[LOGIN_COOKIE] ?? ''
    if (crossSite(request) || formToken === '' || !sameToken(formToken, cookieToken)) {
      return loginPage(reply, 'The sign-in form expired or was not sent by the Studio: try again', 403)
    }
    const wait = await attempts.blockedFor(request.ip)
    if (wait > 0) {
      reply.header('retry-after', String(wait))
      return loginPage(reply, `Too many failed sign-in attempts: try again in ${wait} s`, 429)
    }
    const presented = digest(typeof body.token === 'string' ? body.token : '')
    if (!timingSafeEqual(presented, expected) || options.adminToken === '') {
      await attempts.failed(request.ip)
      return loginPage(reply, 'Invalid admin token', 401)
    }
    const previous = request.cookies[SESSION_COOKIE]
    if (previous !== undefined) await sessions.delete(previous)
    const session = await sessions.create()
    setSessionCookie(request, reply, session.id, Math.floor(sessions.ttlMs / 1000))
    reply.clearCookie(LOGIN_COOKIE, { path: '/studio/login' })
    return await reply.redirect('/studio/connectors', 303)
  })

  fastify.post('/studio/logout', async (request, reply) => {
    if (request.studioSession !== null) await sessions.delete(request.studioSession.id)
    reply.clearCookie(SESSION_COOKIE, { path: '/studio', httpOnly: true, sameSite: 'strict', secure: request.protocol === 'https' })
    return await reply.redirect('/studio/login', 303)
  })

  fastify.get('/studio/*', async (request, reply) => kit.page(reply, 'message', {
    title: 'Page not found', message: `The Studio has no page ${request.url.split('?')[0]?.slice(0, 200) ?? ''}.`
  }, 404))

  await fastify.register(studioEntries, { kit })
  await fastify.register(studioConnectors, { kit })
  await fastify.register(studioPlayground, { kit })
}

export default studio
