// Bearer admin-token check for the admin API (SPEC §12). Decorates `requireAdmin`, an onRequest
// hook that routes add; the comparison is constant-time over SHA-256 digests so neither the
// token's content nor its length leaks through timing. A refusal is thrown: the one error handler
// (plugins/errors.ts) writes the envelope.
import { createHash, timingSafeEqual } from 'node:crypto'
import fp from 'fastify-plugin'
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { ConduitError } from '../src/errors.js'

export interface AdminAuthOptions {
  /** The admin token; when empty or missing every admin request is refused. */
  token?: string
  /** Same as token (the name plugins/app.ts passes). */
  adminToken?: string
}

declare module 'fastify' {
  interface FastifyInstance {
    requireAdmin: (request: FastifyRequest, reply: FastifyReply) => Promise<void>
  }
}

function digest (text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest()
}

const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i

const adminAuth: FastifyPluginAsync<AdminAuthOptions> = async (fastify, options) => {
  const token = options.token ?? options.adminToken
  const expected = token !== undefined && token !== '' ? digest(token) : undefined

  fastify.decorate('requireAdmin', async function requireAdmin (request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const header = request.headers.authorization
    const match = typeof header === 'string' ? BEARER.exec(header) : null
    // Always hash and compare, even without a configured token, so every refusal costs the same.
    const presented = digest(match?.[1] ?? '')
    const ok = timingSafeEqual(presented, expected ?? digest('\0no admin token configured')) && expected !== undefined && match !== null
    if (ok) return
    reply.header('www-authenticate', 'Bearer realm="conduit-admin"')
    throw new ConduitError('UNAUTHORIZED', 'Admin token required')
  })
}

export default fp(adminAuth, { fastify: '5.x', name: 'conduit-admin-auth' })
