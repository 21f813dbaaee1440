// Caller identity before the handler (SPEC §2.1): `fastify.identifyCaller` is an onRequest hook
// that verifies the `Authorization: Bearer <JWT>` of a request and puts the result on
// `request.caller`, so every later hook (rate limiting keyed by caller or tenant, metrics) and the
// route read the same identity. Routes that act for a caller add the hook (execute routes do);
// a present but invalid token ends the request with 401 INVALID_CALLER_TOKEN.
import fp from 'fastify-plugin'
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify'
import type { CallerIdentity, CallerVerifier } from '../src/callers/identity.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by identifyCaller; null on routes that do not identify callers. */
    caller: CallerIdentity | null
  }
  interface FastifyInstance {
    identifyCaller: (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => void
  }
}

export interface CallersPluginOptions {
  verifier: CallerVerifier
}

async function callersPlugin (fastify: FastifyInstance, opts: CallersPluginOptions): Promise<void> {
  const { verifier } = opts
  fastify.decorateRequest('caller', null)
  // A callback hook: a token verified recently (or no token) needs no promise at all.
  fastify.decorate('identifyCaller', function identifyCaller (request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction): void {
    const authorization = request.headers.authorization
    const known = verifier.identifyCached?.(authorization)
    if (known !== undefined) {
      request.caller = known
      done()
      return
    }
    verifier.identify(authorization).then(identity => {
      request.caller = identity
      done()
    }, done)
  })
}

export default fp(callersPlugin, { fastify: '5.x', name: 'conduit-callers' })
