// Bearer admin-token check for the admin API (SPEC §12). Decorates `requireAdmin`, an onRequest
// hook that routes add; the comparison is constant-time over SHA-256 digests so neither the
// token's content nor its length leaks through timing.
import { createHash, timingSafeEqual } from 'node:crypto'
import fp from 'fastify-plugin'
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { ConduitError, toEnvelope } from '../src/errors.js'
import type { FailedAttemptLimiter } from './rate-limit.js'

export interface AdminAuthOptions {
  /** The admin token; when empty or missing every admin request is refused. */
  token?: string
  /** Same as token (the name plugins/app.ts passes). */
  adminToken?: string
  /** At most 10 wrong tokens per minute per IP (SPEC §17); shared with the Studio login as `fastify.adminAttempts`. */
  attempts?: FailedAttemptLimiter
}

declare module 'fastify' {
  interface FastifyInstance {
    requireAdmin: (request: FastifyRequest, reply: FastifyReply) => Promise<void>
    /** Failed admin-token attempts per IP: ask blockedFor(ip) before checking a token, call failed(ip) after a wrong one. */
    adminAttempts: FailedAttemptLimiter | undefined
  }
}

function digest (text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest()
}

const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i

const adminAuth: FastifyPluginAsync<AdminAuthOptions> = async (fastify, options) => {
  const token = options.token ?? options.adminToken
  const expected = token !== undefined && token !== '' ? digest(token) : undefined

  const attempts = options.attempts
  fastify.decorate('adminAttempts', attempts)

  fastify.decorate('requireAdmin', async function requireAdmin (request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const wait = attempts === undefined ? 0 : await attempts.blockedFor(request.ip)
    if (wait > 0) {
      const { status, body } = toEnvelope(new ConduitError('RATE_LIMITED', `Too many failed admin token attempts; retry in ${wait} s`), request.id)
      await reply.code(status).header('retry-after', String(wait)).send(body)
      return
    }
    const header = request.headers.authorization
    const match = typeof header === 'string' ? BEARER.exec(header) : null
    // Always hash and compare, even without a configured token, so every refusal costs the same.
    const presented = digest(match?.[1] ?? '')
    const ok = timingSafeEqual(presented, expected ?? digest('\0no admin token configured')) && expected !== undefined && match !== null
    if (ok) return
    await attempts?.failed(request.ip)
    const { status, body } = toEnvelope(new ConduitError('UNAUTHORIZED', 'Admin token required'), request.id)
    await reply.code(status).header('www-authenticate', 'Bearer realm="conduit-admin"').send(body)
  })
}

export default fp(adminAuth, { fastify: '5.x', name: 'conduit-admin-auth' })
